"""An assignment: one per SQL transition (the stage change's time is its
key), in the lead's partition. It is offered to one rep at a time; a decline
or a missed SLA offers it to the next (offer number + 1); acceptance stops
the SLA clock; an outcome closes it and frees the rep's capacity. When
nobody can take the lead it is `unassigned` (no rep, the reason kept) until
the SLA watcher finds someone: an SQL is never dropped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

OFFERED, ACCEPTED, CLOSED, UNASSIGNED = "offered", "accepted", "closed", "unassigned"
OPEN = (OFFERED, ACCEPTED)  # a rep holds it (and a unit of their capacity)

# sales outcomes: the stage each moves to (via scoring.record_sales_outcome),
# and whether it ends the assignment
OUTCOMES = {
    "opportunity": ("opportunity", False),
    "won": ("won", True),
    "lost": (None, True),
    "disqualified": (None, True),
    "recycle": ("recycle", True),
}


@dataclass(frozen=True)
class Assignment:
    lead_id: str
    key: str  # the SQL stage change's time: one assignment per transition
    sql_at: str
    status: str
    rep_id: str | None  # None while unassigned
    offer: int  # 1 for the first offer (or unassigned spell), +1 for every change of hands
    reason: str  # why the current offer: routed | declined | sla | escalated | admin
    how: str  # pool:<name> | fallback:<name> | default owner | unassigned
    routed_at: str
    offered_at: str
    reassignments: int = 0
    tried: tuple[str, ...] = ()
    notified_at: str | None = None  # the first rep notification (speed to lead)
    notified_offer: int = 0
    webhook_offer: int = 0
    accepted_at: str | None = None
    outcome: str | None = None
    closed_at: str | None = None
    sla_due_at: str | None = None
    history: tuple[Mapping[str, Any], ...] = field(default=())
    webhook_failures: tuple[Mapping[str, Any], ...] = field(default=())
    unassigned_at: str | None = None  # since when nobody holds it
    unassigned_reason: str | None = None  # why nobody could take it

    def event(self, at: str, what: str, **detail: Any) -> dict[str, Any]:
        return {"at": at, "event": what, "rep_id": self.rep_id, "offer": self.offer, **detail}

    def view(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data.update(tried=list(self.tried), history=list(self.history), webhook_failures=list(self.webhook_failures))
        return data


def reoffered(current: Assignment, rep_id: str, how: str, reason: str, at: str, sla_due_at: str | None) -> Assignment:
    return replace(
        current,
        rep_id=rep_id,
        how=how,
        reason=reason,
        offer=current.offer + 1,
        offered_at=at,
        reassignments=current.reassignments + 1,
        tried=current.tried + (rep_id,),
        sla_due_at=sla_due_at,
    )


def unassigned(current: Assignment, reason: str, why_nobody: str, at: str) -> Assignment:
    """Nobody (else) can take the lead: the next spell is unassigned."""
    return replace(
        current,
        status=UNASSIGNED,
        rep_id=None,
        how=UNASSIGNED,
        reason=reason,
        offer=current.offer + 1,
        offered_at=at,
        sla_due_at=None,
        unassigned_at=at,
        unassigned_reason=why_nobody,
    )


def taken_up(current: Assignment, rep_id: str, how: str, at: str, sla_due_at: str | None) -> Assignment:
    """An unassigned lead found its rep (not a reassignment: nobody had it)."""
    return replace(
        current,
        status=OFFERED,
        rep_id=rep_id,
        how=how,
        reason="routed",
        offer=current.offer + 1,
        offered_at=at,
        tried=current.tried + (rep_id,),
        sla_due_at=sla_due_at,
        unassigned_at=None,
        unassigned_reason=None,
    )


def reverses_win(a: Assignment, outcome: str) -> bool:
    """Sales takes a win back (booked by mistake, or the customer withdrew):
    a recycle of an assignment closed as won. The rep's capacity was freed
    when it closed, so it is not freed again."""
    return a.status == CLOSED and a.outcome == "won" and outcome == "recycle"
