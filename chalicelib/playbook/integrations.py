from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from .base import Strict

EventType = Literal["lead.confirmed", "lead.stage_changed", "lead.unsubscribed", "sending.paused", "sending.resumed"]


class WebhookSubscription(Strict):
    url: HttpUrl
    events: tuple[EventType, ...] = Field(min_length=1)
    secret: str = Field(min_length=16)  # from `${ENV_VAR}`: the HMAC key the receiver checks
    # data minimisation: the address and profile only when the receiver needs them
    include_profile: bool = False


class WebhookDelivery(Strict):
    """One POST per queue delivery; a failed one is tried again after a wait
    that doubles from `first_retry_seconds` up to `max_retry_seconds`, until
    `retry_hours` after the event was queued. Then it is recorded as failed
    (the admin API can send it again)."""

    # the webhook Lambda posts a few messages per run within its 30 s
    timeout_seconds: float = Field(default=5, gt=0, le=5)
    first_retry_seconds: int = Field(default=60, ge=1, le=3600)
    max_retry_seconds: int = Field(default=3600, ge=1, le=6 * 3600)
    retry_hours: float = Field(default=24, gt=0, le=7 * 24)

    @model_validator(mode="after")
    def _ordered(self) -> WebhookDelivery:
        if self.max_retry_seconds < self.first_retry_seconds:
            raise ValueError("max_retry_seconds must be at least first_retry_seconds")
        return self


class Integrations(Strict):
    webhooks: tuple[WebhookSubscription, ...] = ()
    delivery: WebhookDelivery = WebhookDelivery()
