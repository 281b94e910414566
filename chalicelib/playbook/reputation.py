"""The playbook's `reputation` section: when Leadflow stops its own nurture
mail before SES (review at 5 % bounces / 0.1 % complaints) or Gmail (0.3 %
spam, 0.1 % the target) act against the account. Rates are fractions
(0.03 is 3 %). Opt-in mails and rep notifications are never paused: people
asked for them."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .base import Strict


class WarmUp(Strict):
    """A new sending domain's daily nurture cap: `start` mails on the first
    day, times `factor` each day after, from `first_day` (UTC)."""

    first_day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    start: int = Field(default=50, ge=1, le=1_000_000)
    factor: float = Field(default=1.5, gt=1, le=10)

    def cap(self, day: date) -> int:
        """The nurture mails this day may carry."""
        days = max((day - date.fromisoformat(self.first_day)).days, 0)
        return int(min(self.start * self.factor**days, 10**9))


class Reputation(Strict):
    window_days: int = Field(default=7, ge=1, le=30)
    # below this many sends in the window no rate is claimed, so nothing trips
    min_volume: int = Field(default=500, ge=1, le=10_000_000)
    pause_bounce_rate: float = Field(default=0.03, gt=0, lt=1)
    pause_complaint_rate: float = Field(default=0.0005, gt=0, lt=1)
    # resume by itself once the rates stayed below half the thresholds for
    # a day; false: only an admin resumes (POST /sending/resume)
    auto_resume: bool = False
    warm_up: WarmUp | None = None
