"""Which stream changes the prediction reacts to. Its own writes (the
lead's `prediction`, the outcome record, counters of no lead) change none
of these, so it never loops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..storage.models import ACTIVITY_PREFIX, ASSIGNMENT_PREFIX, LEAD_SK
from .model import CLASS_OF_OUTCOME

if TYPE_CHECKING:
    from ..stream.changes import Change


def outcome_recorded(change: Change) -> bool:
    """A rep closed an assignment with an outcome the model learns from."""
    return (
        change.event == "MODIFY"
        and change.sk.startswith(ASSIGNMENT_PREFIX)
        and change.changed("outcome")
        and change.new.get("outcome") in CLASS_OF_OUTCOME
    )


def facts_may_have_changed(change: Change) -> bool:
    """A new activity, or a scored lead's profile, address, status, stage or
    form changed, or the lead was scored for the first time."""
    if change.sk.startswith(ACTIVITY_PREFIX):
        return change.event == "INSERT"
    if change.sk != LEAD_SK or change.new is None or change.new.get("score") is None:
        return False
    first_scored = (change.old or {}).get("score") is None
    return first_scored or change.changed("profile", "email", "status", "stage", "form_id", "attribution")
