"""The playbook's `nurture` section: drip sequences (who is enrolled, which
mail goes out when, when a lead leaves), the send window (quiet hours in the
lead's time zone, a per-lead frequency cap across sequences) and how fast the
scheduled sender may call SES. The rules live in chalicelib/nurture."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from .base import Strict

Stage = Literal["subscriber", "lead", "mql", "sql", "opportunity", "customer"]
Locale = Literal["de", "en"]
LOCALES = ("de", "en")
# SES tag values allow letters, digits, _ and -: names go into tags
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "mail" / "templates"


class Enrolment(Strict):
    """Every condition given must hold (an empty one holds for everyone);
    the lead must also be confirmed and mailable."""

    stages: tuple[Stage, ...] = ("lead", "mql")
    forms: tuple[str, ...] = ()
    locales: tuple[Locale, ...] = ()
    # profile field -> allowed values (a list-valued field matches if any
    # element is allowed)
    profile: dict[str, tuple[str, ...]] = {}
    # true: only leads sales sent back to nurture (the `recycle` outcome),
    # false: only leads never recycled; unset: either
    recycled: bool | None = None


class Exit(Strict):
    """A lead leaves the sequence once it reaches this stage (or a later
    one). Unsubscribing, suppression and erasure end every sequence."""

    stage_at_least: Stage = "sql"


class Step(Strict):
    # days after enrolment (fractions allowed: 0.5 is twelve hours)
    delay_days: float = Field(ge=0, le=365)
    # mail/templates/<template>.<locale>.txt and .html
    template: str


class Sequence(Strict):
    enrol: Enrolment = Enrolment()
    exit: Exit = Exit()
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _steps_in_order(self) -> Sequence:
        delays = [s.delay_days for s in self.steps]
        if delays != sorted(delays):
            raise ValueError("steps: delay_days must not decrease")
        for step in self.steps:
            for locale in LOCALES:
                for part in ("txt", "html"):
                    if not (TEMPLATE_DIR / f"{step.template}.{locale}.{part}").is_file():
                        raise ValueError(f"steps: template {step.template!r} has no {locale} .{part} file")
        return self


class QuietHours(Strict):
    """No nurture mail between start and end, in the lead's local time (the
    lead's time zone, else its form's). start > end spans midnight."""

    start: time = time(20, 0)
    end: time = time(8, 0)


class FrequencyCap(Strict):
    mails: int = Field(default=1, ge=1, le=20)
    per_hours: float = Field(default=24, gt=0, le=24 * 30)


class Sending(Strict):
    # the account's SES send rate (or less, to leave room for other mail)
    max_per_second: float = Field(default=10, gt=0, le=1000)
    # due leads one tick takes at most; the rest stay due for the next
    max_per_tick: int = Field(default=1000, ge=1, le=100_000)
    throttle_retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=1, gt=0, le=60)
    # a tick stops when less than this is left of the Lambda's time
    reserve_seconds: float = Field(default=10, ge=1, le=300)
    # a claimed step with no recorded send this old is taken as possibly
    # sent (never resent); longer than a tick can run
    claim_lease_minutes: float = Field(default=15, ge=1, le=24 * 60)


class Nurture(Strict):
    # where the templates' links point (each goes through the click redirect)
    site_url: HttpUrl = "https://www.leadflow.example"
    # a 1x1 open pixel in the HTML: spam filters score short mails with an
    # image (SpamAssassin's HTML_IMAGE_ONLY_*, about +2), and mail apps that
    # prefetch images (Apple Mail) make opens noise; clicks are tracked anyway
    open_pixel: bool = False
    quiet_hours: QuietHours = QuietHours()
    frequency_cap: FrequencyCap = FrequencyCap()
    sending: Sending = Sending()
    sequences: dict[str, Sequence] = {}

    @field_validator("sequences")
    @classmethod
    def _names(cls, sequences: dict[str, Sequence]) -> dict[str, Sequence]:
        for name in sequences:
            if not _NAME.match(name):
                raise ValueError(f"{name!r}: a sequence name is lower case letters, digits, _ and -")
        return sequences

    @property
    def site(self) -> str:
        return str(self.site_url).rstrip("/")
