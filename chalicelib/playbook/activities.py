"""The playbook's `activities` section: which activity types exist, where
each may come from, which are hand-raisers, and how e-mail tracking hits by
machines (security scanners, prefetchers) are told apart from people."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Strict, check_origins

# web: POST /events from the landing site; email: open pixel and click
# redirect; server: the admin API (webinar tools, CRM); form: a form submission
Source = Literal["web", "email", "server", "form"]

# types the app itself records; the playbook must define them
BUILT_IN = {"form_submitted": "form", "email_open": "email", "email_click": "email"}


class ActivityType(Strict):
    label: str = ""
    sources: tuple[Source, ...] = ("web", "server")
    # a person asking for sales contact (demo, call): qualifies for SQL at once
    hand_raiser: bool = False
    # keys the activity's data must carry (e.g. page_view: url)
    requires: tuple[str, ...] = ()


class Tracking(Strict):
    # an open or click this soon after sending is a scanner or prefetcher
    min_seconds_after_send: float = Field(default=10, ge=0)
    # user-agent fragments (case-insensitive) of link scanners and prefetchers
    scanner_user_agents: tuple[str, ...] = (
        "barracuda",
        "mimecast",
        "proofpoint",
        "trendmicro",
        "symantec",
        "forcepoint",
        "messagelabs",
        "fireeye",
        "safelinks",
        "ms-office",
        "microsoft office existence",
        "bot",
        "crawler",
        "spider",
        "python-requests",
        "curl/",
        "wget/",
        "go-http-client",
        "headlesschrome",
    )


def _built_in_types() -> dict[str, ActivityType]:
    return {name: ActivityType(sources=(source,)) for name, source in BUILT_IN.items()}


class Activities(Strict):
    # origins allowed to POST /events (CORS); like a form's allowed_origins
    allowed_origins: tuple[str, ...] = ()
    types: dict[str, ActivityType] = Field(default_factory=_built_in_types)
    tracking: Tracking = Tracking()
    # the signed lead token behind POST /events expires this long after the
    # confirmation or the last accepted event, whichever is later
    lead_token_days: float = Field(default=30, gt=0, le=365)

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        return check_origins(origins)

    @model_validator(mode="after")
    def _has_built_in_types(self) -> Activities:
        for name, source in BUILT_IN.items():
            if name not in self.types or source not in self.types[name].sources:
                raise ValueError(f"types: needs {name!r} with source {source!r} (the app records it)")
        return self

    def hand_raisers(self) -> frozenset[str]:
        return frozenset(name for name, kind in self.types.items() if kind.hand_raiser)
