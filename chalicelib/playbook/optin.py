from pydantic import Field

from .base import Strict


class DoubleOptIn(Strict):
    token_ttl_hours: float = Field(default=72, gt=0, le=24 * 14)
    resend_cooldown_minutes: float = Field(default=10, ge=0)
    max_resends: int = Field(default=5, ge=0)
    pending_ttl_days: float = Field(default=7, gt=0)


class RateLimit(Strict):
    limit: int = Field(ge=1)
    window_seconds: int = Field(ge=1)


class CaptureLimits(Strict):
    per_ip: RateLimit = RateLimit(limit=30, window_seconds=3600)
    per_email: RateLimit = RateLimit(limit=5, window_seconds=3600)
    max_body_bytes: int = Field(default=16 * 1024, ge=1024, le=256 * 1024)
    check_mx: bool = False
