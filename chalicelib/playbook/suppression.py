from pydantic import Field

from .base import Strict


class SuppressionRules(Strict):
    """When soft bounces (SES `Transient`/`Undetermined`) stop mail to an
    address: `soft_bounce_threshold` of them within `soft_bounce_window_days`.
    Hard bounces and complaints suppress at once and are not configurable."""

    soft_bounce_threshold: int = Field(default=3, ge=1, le=100)
    soft_bounce_window_days: float = Field(default=30, gt=0, le=365)
