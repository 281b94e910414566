"""An assignment: one per SQL transition (the stage change's time is its
key), in the lead's partition. It is offered to one rep at a time; a decline
or a missed SLA offers it to the next (offer number + 1); acceptance stops
the SLA clock; an outcome closes it and frees the rep's capacity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

OFFERED, ACCEPTED, CLOSED = "offered", "accepted", "closed"
OPEN = (OFFERED, ACCEPTED)

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
    rep_id: str
    offer: int  # 1 for the first rep, +1 for every reassignment
    reason: str  # why the current offer: routed | declined | sla | escalated | admin
    how: str  # pool:<name> | fallback:<name> | default owner
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
