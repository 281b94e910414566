"""Reps as data: what PUT /reps/{rep_id} accepts (validated whole, 400 on
anything else), what PATCH changes (the named fields, validated together
with the rest of the stored rep) and the stored rep the routing rules read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, field_validator, model_validator

from ..values import text_problem

REP_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCALES = ("de", "en")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkingHours(_Input):
    timezone: str
    days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = DAYS[:5]
    start: str = "09:00"
    end: str = "17:00"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not an IANA time zone such as Europe/Berlin") from None
        return name

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError("must be HH:MM (24 h)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class RepInput(_Input):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    # pools the rep takes leads from (the playbook's routing rules name them);
    # none: the fallback pool
    pools: tuple[str, ...] = Field(default=(), max_length=20)
    # what the rep covers; empty covers everything
    territories: tuple[str, ...] = Field(default=(), max_length=250)
    industries: tuple[str, ...] = Field(default=(), max_length=50)
    company_sizes: tuple[str, ...] = Field(default=(), max_length=20)
    capacity: int = Field(ge=0, le=10_000)  # open assignments at most
    working_hours: WorkingHours | None = None  # None: any time
    out_of_office: bool = False
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    locale: Literal["de", "en"] = "en"  # the language of the rep's mails

    @field_validator("territories")
    @classmethod
    def _countries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not re.fullmatch(r"[A-Z]{2}", value):
                raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code such as DE")
        return values

    @field_validator("name", "industries", "company_sizes", "webhook_secret")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        # the name goes into mail headers and chat text: one clean line, as
        # every text from outside
        for text in value if isinstance(value, tuple) else [value]:
            if isinstance(text, str) and text_problem(text):
                raise ValueError("must be one line without control, line-separator or bidi characters")
        return value

    @field_validator("pools")
    @classmethod
    def _pool_names(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not REP_ID.match(value):
                raise ValueError(f"{value!r}: pool names are lower-case letters, digits, - and _")
        return values

    @model_validator(mode="after")
    def _signed_webhooks(self) -> RepInput:
        # every webhook call carries an HMAC signature: no URL without its secret
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("webhook_url and webhook_secret go together")
        return self

    def stored(self) -> dict[str, Any]:
        """The attributes a PUT sets (JSON types)."""
        return self.model_dump(mode="json")


def patched(rep: Rep, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes a PATCH sets: only the named ones, checked together
    with the rest of the stored rep (a webhook secret alone rotates it).
    Raises pydantic.ValidationError."""
    current = {name: getattr(rep, name) for name in RepInput.model_fields}
    merged = RepInput.model_validate({**current, **changes}).stored()
    return {name: merged[name] for name in changes}


@dataclass(frozen=True)
class Rep:
    rep_id: str
    name: str
    email: str
    capacity: int
    pools: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    company_sizes: tuple[str, ...] = ()
    working_hours: Mapping[str, Any] | None = None
    out_of_office: bool = False
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    locale: str = "en"
    open_count: int = 0
    open_leads: tuple[str, ...] = ()  # "<lead_id>#<assignment key>" of what the rep holds
    last_assigned_at: str | None = None

    @property
    def capacity_left(self) -> int:
        return max(self.capacity - self.open_count, 0)

    def public(self) -> dict[str, Any]:
        """What the admin API shows (never the webhook secret)."""
        return {
            "rep_id": self.rep_id,
            "name": self.name,
            "email": self.email,
            "pools": list(self.pools),
            "territories": list(self.territories),
            "industries": list(self.industries),
            "company_sizes": list(self.company_sizes),
            "capacity": self.capacity,
            "working_hours": dict(self.working_hours) if self.working_hours else None,
            "out_of_office": self.out_of_office,
            "webhook_url": self.webhook_url,
            "webhook_secret_set": self.webhook_secret is not None,
            "locale": self.locale,
            "open_assignments": self.open_count,
            "capacity_left": self.capacity_left,
            "last_assigned_at": self.last_assigned_at,
        }


def within_hours(hours: Mapping[str, Any] | None, now: datetime) -> bool:
    if not hours:
        return True
    local = now.astimezone(ZoneInfo(hours["timezone"]))
    return DAYS[local.weekday()] in hours["days"] and hours["start"] <= local.strftime("%H:%M") < hours["end"]
