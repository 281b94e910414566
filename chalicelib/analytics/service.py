"""The funnel applied to stored data: counting transitions as the stream
delivers them, the report, campaign spend."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ..storage.models import ACTIVITY_PREFIX, LEAD_SK, STAGE_PREFIX
from . import funnel

# set on the item a transition came from once it is counted
STAGE_MARKER = "counted_at"
SIGNUP_MARKER = "funnel_counted_at"
OPT_OUT_MARKER = "opt_out_counted_at"


def is_transition(change) -> bool:
    """A stage change was written, or a lead was created (a signup enters
    `subscriber`; a pending lead past its TTL is replaced by a new one)."""
    if change.sk.startswith(STAGE_PREFIX):
        return change.event == "INSERT"
    return (
        change.sk == LEAD_SK
        and change.new is not None
        and (change.old or {}).get("created_at") != change.new.get("created_at")
    )


def is_opt_out(change) -> bool:
    """A lead unsubscribed or was suppressed: the store writes the status or
    flag and an activity saying so in one transaction, only on the change,
    so the activity's INSERT is the one fact to count (the marker this
    count sets is a MODIFY, never counted again)."""
    return (
        change.event == "INSERT" and change.sk.startswith(ACTIVITY_PREFIX) and change.new.get("type") in funnel.OPT_OUTS
    )


def _seconds(start: str | None, end: str) -> float | None:
    if not start or start > end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def lead_attribution(lead) -> dict[str, str]:
    """The dimensions a lead's counts go under (from the store's lead facts)."""
    return funnel.attribution_of(lead.attribution.as_dict() if lead.attribution else {}, lead.form_id)


def report_query(query: Mapping[str, str]) -> tuple[date, date, dict[str, str]]:
    """A report's range and filters. Raises funnel.InvalidRange."""
    first, last = funnel.parse_range(query.get("from"), query.get("to"))
    return first, last, {dim: funnel.dimension_value(query[dim]) for dim in funnel.DIMENSIONS if query.get(dim)}


class Funnel:
    def __init__(self, store):
        self._store = store

    def count(self, change) -> str:
        """Count one transition (the stream reaction); idempotent."""
        new = change.new
        lead = self._store.lead_facts(new["lead_id"])
        if lead is None:
            return "lead gone"
        attribution = lead_attribution(lead)
        if change.sk == LEAD_SK:
            transition = funnel.Transition(
                datetime.fromisoformat(new["created_at"]), None, "subscriber", None, attribution
            )
            marker, guard = SIGNUP_MARKER, {"created_at": new["created_at"]}
        else:
            entered_from = self._entered_at(new["lead_id"], new["from_stage"], new["at"], lead.created_at)
            transition = funnel.Transition(
                datetime.fromisoformat(new["at"]),
                new["from_stage"],
                new["to_stage"],
                _seconds(entered_from, new["at"]),
                attribution,
            )
            marker, guard = STAGE_MARKER, {}
        counted = self._store.count(
            change.pk, change.sk, marker, guard, funnel.day_of(transition.at), funnel.increments(transition)
        )
        return f"counted {transition.from_stage} -> {transition.to_stage}" if counted else "counted before or gone"

    def count_opt_out(self, change) -> str:
        """Count one unsubscribe or suppression (the stream reaction) on the
        day it happened; idempotent."""
        new = change.new
        lead = self._store.lead_facts(new["lead_id"])
        if lead is None:
            return "lead gone"
        kind, day = new["type"], funnel.day_of(datetime.fromisoformat(new["at"]))
        increments = funnel.opt_out_increments(kind, lead_attribution(lead))
        counted = self._store.count(change.pk, change.sk, OPT_OUT_MARKER, {}, day, increments)
        return f"counted {kind}" if counted else "counted before or gone"

    def _entered_at(self, lead_id: str, stage: str, before: str, created_at: str | None) -> str | None:
        """When the lead last entered `stage` before `before`."""
        entries = [at for at, to_stage in self._store.stage_history(lead_id) if to_stage == stage and at < before]
        if entries:
            return max(entries)
        return created_at if stage == "subscriber" else None

    def report(self, query: Mapping[str, str]) -> dict[str, Any]:
        """Raises funnel.InvalidRange."""
        first, last, filters = report_query(query)
        counters = self._store.counters(funnel.counter_key(filters), first, last)
        return funnel.report(counters, self._store.spends(), first, last, filters)

    def set_spend(self, campaign: str, amount: str, currency: str, start: str, end: str) -> dict[str, Any]:
        return self._store.put_spend(funnel.dimension_value(campaign), amount, currency, start, end)
