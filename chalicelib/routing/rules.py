"""Who gets a sales-qualified lead, on plain data.

The first playbook rule whose match holds names the pool. In a pool, a rep
is eligible who belongs to it (a rep who lists no pools serves the fallback
pool), covers the lead (territory, industry, company
size; an empty list covers all), is not out of office, is within working
hours and has capacity left. Eligible reps are tried in order of capacity
left (most first: a round robin weighted by room), then least recently
assigned, then rep id, so equal reps alternate. Nobody eligible in the pool:
the fallback pool; nobody there: the default owner, who takes the lead
regardless of capacity and hours. The store's conditional claim decides in
the end: a rep who filled up meanwhile is skipped for the next. When nobody
is left, `why_nobody` says why, for the manager."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..playbook.routing import Match, Routing
from .reps import Rep, within_hours


@dataclass(frozen=True)
class LeadFacts:
    country: str | None = None
    company_size: str | None = None
    industry: str | None = None
    source: str | None = None
    # the predicted likelihood to close (None: no number yet)
    probability: float | None = None


@dataclass(frozen=True)
class Target:
    rep: Rep
    how: str  # pool:<name> | fallback:<name> | default owner

    @property
    def is_default_owner(self) -> bool:
        return self.how == DEFAULT_OWNER


DEFAULT_OWNER = "default owner"


def lead_facts(
    profile: Mapping[str, Any],
    attribution: Mapping[str, Any],
    form_id: str | None,
    prediction: Mapping[str, Any] | None = None,
) -> LeadFacts:
    def text(value):
        return value if isinstance(value, str) and value else None

    probability = (prediction or {}).get("probability")
    return LeadFacts(
        country=text(profile.get("country")),
        company_size=text(profile.get("company_size")),
        industry=text(profile.get("industry")),
        source=text(attribution.get("utm_source")) or text(form_id),
        probability=float(probability) if isinstance(probability, (int, float)) else None,
    )


def _holds(match: Match, facts: LeadFacts) -> bool:
    pairs = (
        (match.countries, facts.country),
        (match.company_sizes, facts.company_size),
        (match.industries, facts.industry),
        (match.sources, facts.source),
    )
    likely = match.min_probability is None or (facts.probability or 0) >= match.min_probability
    return likely and all(not wanted or value in wanted for wanted, value in pairs)


def pool_for(facts: LeadFacts, routing: Routing) -> str | None:
    return next((rule.pool for rule in routing.rules if _holds(rule.match, facts)), None)


def covers(rep: Rep, facts: LeadFacts) -> bool:
    pairs = (
        (rep.territories, facts.country),
        (rep.industries, facts.industry),
        (rep.company_sizes, facts.company_size),
    )
    return all(not covered or value in covered for covered, value in pairs)


def serves(rep: Rep, pool: str, routing: Routing) -> bool:
    # a rep set up without pools is not lost to routing: they take the fallback pool's leads
    return pool in rep.pools or (not rep.pools and pool == routing.fallback_pool)


def unavailable(rep: Rep, now: datetime) -> str | None:
    """Why the rep cannot take a lead now, or None."""
    if rep.out_of_office:
        return "out of office"
    if rep.capacity_left <= 0:
        return "full"
    if not within_hours(rep.working_hours, now):
        return "outside working hours"
    return None


def eligible(
    reps: Iterable[Rep], pool: str, routing: Routing, facts: LeadFacts, now: datetime, exclude: frozenset[str]
) -> list[Rep]:
    found = [
        r
        for r in reps
        if serves(r, pool, routing) and r.rep_id not in exclude and covers(r, facts) and unavailable(r, now) is None
    ]
    return sorted(found, key=lambda r: (-r.capacity_left, r.last_assigned_at or "", r.rep_id))


def targets(
    reps: Iterable[Rep],
    facts: LeadFacts,
    routing: Routing,
    now: datetime,
    exclude: frozenset[str] = frozenset(),
    default_owner_only: bool = False,
) -> list[Target]:
    """Whom to try, in order; the default owner last (unless excluded)."""
    reps = list(reps)
    found: list[Target] = []
    if not default_owner_only:
        pool = pool_for(facts, routing)
        if pool:
            found += [Target(r, f"pool:{pool}") for r in eligible(reps, pool, routing, facts, now, exclude)]
        if routing.fallback_pool:
            # after the pool's reps, so a claim lost to a race still finds someone
            seen = {t.rep.rep_id for t in found}
            found += [
                Target(r, f"fallback:{routing.fallback_pool}")
                for r in eligible(reps, routing.fallback_pool, routing, facts, now, exclude)
                if r.rep_id not in seen
            ]
    owner = next((r for r in reps if r.rep_id == routing.default_owner), None)
    if owner is not None and owner.rep_id not in exclude:
        found.append(Target(owner, DEFAULT_OWNER))
    return found


def _why_not(rep: Rep, facts: LeadFacts, now: datetime, exclude: frozenset[str]) -> str:
    if rep.rep_id in exclude:
        return "already had it"
    if not covers(rep, facts):
        return "does not cover the lead"
    return unavailable(rep, now) or "taken meanwhile"


def why_nobody(
    reps: Iterable[Rep], facts: LeadFacts, routing: Routing, now: datetime, exclude: frozenset[str] = frozenset()
) -> str:
    """Why `targets` found nobody who could take the lead, for people."""
    reps = list(reps)
    parts = []
    pool = pool_for(facts, routing)
    pools = [(f"pool {pool}", pool)] if pool else []
    if not pool:
        parts.append("no routing rule matches")
    if routing.fallback_pool and routing.fallback_pool != pool:
        pools.append((f"fallback pool {routing.fallback_pool}", routing.fallback_pool))
    for label, name in pools:
        members = [r for r in reps if serves(r, name, routing)]
        reasons = ", ".join(f"{r.rep_id} {_why_not(r, facts, now, exclude)}" for r in members[:10])
        parts.append(f"{label}: {reasons}" if members else f"{label}: no reps")
    owner = routing.default_owner
    if not owner:
        parts.append("no default owner set")
    elif owner in exclude:
        parts.append(f"default owner {owner} already had it")
    elif not any(r.rep_id == owner for r in reps):
        parts.append(f"default owner {owner} is not a rep")
    else:
        parts.append(f"default owner {owner} taken meanwhile")
    return "; ".join(parts)
