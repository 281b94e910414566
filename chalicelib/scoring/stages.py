"""Lifecycle stages: subscriber -> lead -> mql -> sql -> opportunity -> customer.

Scoring moves a lead forward only, and never beyond sql: from there on only a
sales outcome moves it (to opportunity or customer, or back to lead when
sales recycles it to nurture). A recycled lead qualifies again only on what it
does after the recycling, so the old demo request does not bounce it straight
back to sales. A lead that jumps several stages gets one change (e.g. lead ->
sql); reports count it as having passed the stages in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..playbook.scoring import Stages
from ..reasons import Reason
from .rules import Activity, Score

STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer")
_RANK = {stage: rank for rank, stage in enumerate(STAGES)}
# the last stage scoring may reach
SCORING_LIMIT = "sql"

# outcome -> (stages it applies to, stage it leads to)
SALES_OUTCOMES = {
    "opportunity": (("sql",), "opportunity"),
    "won": (("sql", "opportunity"), "customer"),
    # a customer too: sales may take a win back
    "recycle": (("mql", "sql", "opportunity", "customer"), "lead"),
}


class InvalidOutcome(ValueError):
    """`args[0]` is the Reason, for the reader's language."""


@dataclass(frozen=True)
class StageChange:
    from_stage: str
    to_stage: str
    reason: str


def rank(stage: str) -> int:
    return _RANK.get(stage, 0)


def since(activities: Iterable[Activity], moment: datetime | None) -> list[Activity]:
    """The activities that count for qualifying (all, or those after a recycling)."""
    return list(activities) if moment is None else [a for a in activities if a.at > moment]


def first_hand_raiser(activities: Iterable[Activity], hand_raisers: frozenset[str]) -> Activity | None:
    raised = [a for a in activities if a.type in hand_raisers and not a.flagged]
    return min(raised, key=lambda a: (a.at, a.type)) if raised else None


def qualified(result: Score, hand_raiser: Activity | None, stages: Stages) -> tuple[str, str] | None:
    """The highest stage the score qualifies for, with the reason."""
    sql = stages.sql
    if hand_raiser and (sql.hand_raiser_min_fit is None or result.fit >= sql.hand_raiser_min_fit):
        return "sql", f"hand-raiser {hand_raiser.type} (fit {result.fit})"
    if result.total >= sql.score:
        return "sql", f"score {result.total} >= {sql.score}"
    mql = stages.mql
    if result.fit >= mql.fit and result.engagement >= mql.engagement:
        return "mql", f"fit {result.fit} >= {mql.fit} and engagement {result.engagement} >= {mql.engagement}"
    return None


def stage_by_scoring(current: str, result: Score, hand_raiser: Activity | None, stages: Stages) -> StageChange | None:
    """Forward only, and only up to sql."""
    if rank(current) >= rank(SCORING_LIMIT):
        return None
    target = qualified(result, hand_raiser, stages)
    if target is None or rank(target[0]) <= rank(current):
        return None
    return StageChange(current, target[0], target[1])


def stage_by_sales_outcome(current: str, outcome: str, note: str = "") -> StageChange:
    """The one way past sql (or back to nurture). Raises InvalidOutcome."""
    if outcome not in SALES_OUTCOMES:
        raise InvalidOutcome(Reason("unknown_outcome", {"outcome": outcome, "choices": tuple(SALES_OUTCOMES)}))
    applies_to, target = SALES_OUTCOMES[outcome]
    if current not in applies_to:
        raise InvalidOutcome(Reason("outcome_not_applicable", {"outcome": outcome, "stage": current}))
    return StageChange(current, target, f"sales outcome {outcome}" + (f": {note}" if note else ""))
