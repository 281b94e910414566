"""What a rescore writes, decided on plain data (the store reads and writes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..clock import iso
from ..playbook import Playbook
from .rules import Activity, Score, score, scoring_profile
from .stages import StageChange, first_hand_raiser, since, stage_by_sales_outcome, stage_by_scoring

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class ScoredLead:
    """The parts of a stored lead that scoring reads."""

    lead_id: str
    version: int
    status: str
    stage: str
    email: str
    profile: Mapping[str, Any]
    # what the last rescore wrote (None: never scored)
    scored: Mapping[str, Any] | None = None
    rescore_at: str | None = None
    recycled_at: str | None = None
    last_activity_at: str | None = None


@dataclass(frozen=True)
class ScoreWrite:
    at: str
    score: Score | None = None
    stage_change: StageChange | None = None
    # the next rescore (None: leave the rescore index)
    rescore_at: str | None = None
    recycled_at: str | None = None
    # the newest activity's time (None: leave it as it is)
    last_activity_at: str | None = None


def stored_form(result: Score) -> dict[str, Any]:
    """The score as the lead item keeps it (and as it is compared)."""
    return {
        "total": result.total,
        "fit": result.fit,
        "engagement": result.engagement,
        "temperature": result.temperature,
        "breakdown": [
            {"rule": c.rule, "kind": c.kind, "points": c.points, "detail": c.detail} for c in result.breakdown
        ],
    }


def scoring_window_start(playbook: Playbook, now: datetime) -> datetime:
    """Activities before this cannot count (the store need not read them)."""
    return now - timedelta(days=playbook.scoring.engagement.window_days)


def plan_rescore(
    lead: ScoredLead, activities: Sequence[Activity], playbook: Playbook, now: datetime
) -> ScoreWrite | None:
    """The write that brings the lead's score, temperature, stage and next
    rescore time up to date, or None when everything already is (a
    redelivered record, a decay run that finds nothing new)."""
    if lead.status != CONFIRMED:
        # pending signups are not leads yet; an unsubscribed one leaves the
        # rescore index
        return ScoreWrite(at=iso(now)) if lead.rescore_at else None
    scoring = playbook.scoring
    profile = scoring_profile(lead.profile, lead.email)
    result = score(profile, activities, scoring, now)
    recycled_at = datetime.fromisoformat(lead.recycled_at) if lead.recycled_at else None
    # what counts for a stage: what the lead did after a recycling, and only
    # from sources a stranger cannot post as the lead
    untrusted = scoring.stages.unauthenticated_sources
    counted = [a for a in since(activities, recycled_at) if a.source not in untrusted]
    qualifying = result if len(counted) == len(activities) else score(profile, counted, scoring, now)
    hand_raiser = first_hand_raiser(counted, playbook.activities.hand_raisers())
    change = stage_by_scoring(lead.stage, qualifying, hand_raiser, scoring.stages)
    rescore_at = iso(result.changes_at) if result.changes_at else None
    newest = iso(max(a.at for a in activities)) if activities else None
    last_activity_at = newest if newest and newest != lead.last_activity_at else None
    if change is None and lead.scored == stored_form(result) and lead.rescore_at == rescore_at and not last_activity_at:
        return None
    return ScoreWrite(
        at=iso(now), score=result, stage_change=change, rescore_at=rescore_at, last_activity_at=last_activity_at
    )


def plan_sales_outcome(lead: ScoredLead, outcome: str, note: str, now: datetime) -> ScoreWrite:
    """Raises InvalidOutcome. Recycling remembers when, so that only what the
    lead does afterwards qualifies it again."""
    change = stage_by_sales_outcome(lead.stage, outcome, note)
    recycled = change.to_stage == "lead"
    return ScoreWrite(
        at=iso(now), stage_change=change, recycled_at=iso(now) if recycled else None, rescore_at=lead.rescore_at
    )
