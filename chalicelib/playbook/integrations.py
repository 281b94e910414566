from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl

from .base import Strict
from .routing import Webhooks

EventType = Literal["lead.confirmed", "lead.stage_changed", "lead.unsubscribed"]


class WebhookSubscription(Strict):
    url: HttpUrl
    events: tuple[EventType, ...] = Field(min_length=1)
    secret: str = Field(min_length=16)  # from `${ENV_VAR}`: the HMAC key the receiver checks
    # data minimisation: the address and profile only when the receiver needs them
    include_profile: bool = False


class Integrations(Strict):
    webhooks: tuple[WebhookSubscription, ...] = ()
    delivery: Webhooks = Webhooks()
