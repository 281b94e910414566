"""The playbook's `routing` section: which pool of reps a sales-qualified lead
goes to (ordered rules on the lead's country, company size, industry and
source; the first match wins), the fallback pool, the default owner, the SLA
and its escalation, and how rep webhooks are retried. Reps themselves are
data (PUT /reps/{rep_id}); a rep belongs to pools by naming them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import EmailStr, Field, model_validator

from .base import Strict

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Match(Strict):
    """Every condition given must hold; an empty match matches every lead."""

    countries: tuple[str, ...] = ()
    company_sizes: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    # the lead's utm_source, or its form id when it came without one
    sources: tuple[str, ...] = ()
    # the predicted likelihood to close at least this (a lead without a
    # number does not match): e.g. high-probability SQLs to a closers' pool
    min_probability: float | None = Field(default=None, gt=0, lt=1)


class RoutingRule(Strict):
    name: str
    match: Match = Match()
    pool: str


class Sla(Strict):
    # an offer not accepted within this is taken back and offered to the next rep
    minutes: float = Field(default=15, gt=0)
    # after this many reassignments the lead goes to the default owner
    max_reassignments: int = Field(default=2, ge=0)
    # who hears about every SLA breach and every SQL nobody can take, and in which language
    manager_email: EmailStr | None = None
    manager_locale: Literal["de", "en"] = "en"


class Webhooks(Strict):
    attempts: int = Field(default=3, ge=1, le=5)
    timeout_seconds: float = Field(default=2, gt=0, le=5)
    # waits between attempts double from this
    backoff_seconds: float = Field(default=0.2, ge=0, le=2)


class Routing(Strict):
    rules: tuple[RoutingRule, ...] = ()
    fallback_pool: str | None = None
    # rep id who gets a lead no pool can take (ignores capacity and hours)
    default_owner: str | None = None
    sla: Sla = Sla()
    webhooks: Webhooks = Webhooks()
    # how long the accept / decline links in a rep's mail work
    link_days: float = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _names(self) -> Routing:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rules: rule names must be unique ({', '.join(duplicates)})")
        for pool in [r.pool for r in self.rules] + [p for p in (self.fallback_pool, self.default_owner) if p]:
            if not _NAME.match(pool):
                raise ValueError(f"{pool!r}: pool names and rep ids are lower-case letters, digits, - and _")
        return self
