"""Revenue and sales feedback applied to stored data: counting the sales
events the stream delivers (an offer accepted or declined, an outcome
recorded on an assignment), and the revenue report.

Each event is counted in one transaction with a mark on the assignment named
by the event's place in its history, so a redelivered record counts nothing
twice, the next event of the same assignment is counted in its own right,
and an assignment erased before its record arrives counts nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..routing.assignment import OUTCOMES
from ..routing.deal import FIELDS
from ..storage.models import ASSIGNMENT_PREFIX
from . import funnel, revenue
from .service import lead_attribution, report_query

MARKER = "revenue_counted#"
_DECLINED_BY = ("reassigned", "unassigned")  # a decline hands the lead on, or to nobody


def _appended(change) -> Mapping[str, Any] | None:
    """The history entry this change added to an assignment, if any (the
    counting's own mark adds none)."""
    if change.event != "MODIFY" or not change.sk.startswith(ASSIGNMENT_PREFIX) or not change.changed("history"):
        return None
    history, before = change.new.get("history") or [], (change.old or {}).get("history") or []
    return history[-1] if len(history) > len(before) else None


def _event(entry: Mapping[str, Any]) -> revenue.SalesEvent | None:
    what, at = entry.get("event"), datetime.fromisoformat(entry["at"])
    if what == "accepted":
        return revenue.SalesEvent(revenue.ACCEPTED, at)
    if what in _DECLINED_BY and entry.get("reason") == "declined":
        return revenue.SalesEvent(revenue.DECLINED, at)
    if what == "outcome" and entry.get("outcome") in OUTCOMES:
        details = {name: entry[name] for name in FIELDS if name in entry}
        return revenue.SalesEvent(revenue.OUTCOME, at, entry["outcome"], details)
    return None


def is_sales_event(change) -> bool:
    entry = _appended(change)
    return entry is not None and _event(entry) is not None


def _win_taken_back(change, event: revenue.SalesEvent) -> revenue.SalesEvent | None:
    """The win a recycle of a won assignment takes back."""
    old = change.old or {}
    if event.outcome != "recycle" or (old.get("status"), old.get("outcome")) != ("closed", "won"):
        return None
    wins = [e for e in old.get("history") or [] if e.get("event") == "outcome" and e.get("outcome") == "won"]
    return _event(wins[-1]) if wins else None


class Revenue:
    def __init__(self, store):
        self._store = store

    def count(self, change) -> str:
        """Count one sales event (the stream reaction); idempotent."""
        event = _event(_appended(change))
        lead = self._store.lead_facts(change.lead_id)
        if lead is None:
            return "lead gone"
        signed_up = datetime.fromisoformat(lead.created_at) if lead.created_at else None
        sign, taken_back = 1, _win_taken_back(change, event)
        if taken_back is not None:
            sign, event = -1, taken_back
        counted = self._store.count(
            change.pk,
            change.sk,
            f"{MARKER}{len(change.new['history'])}",
            {},
            funnel.day_of(event.at),
            revenue.increments(event, signed_up, lead_attribution(lead), sign),
        )
        what = f"{'took back' if sign < 0 else 'counted'} {event.outcome or event.kind}"
        return what if counted else "counted before or gone"

    def report(self, query: Mapping[str, str]) -> dict[str, Any]:
        """Raises funnel.InvalidRange."""
        first, last, filters = report_query(query)
        counters = self._store.counters(funnel.counter_key(filters), first, last)
        return revenue.report(counters, self._store.spends(), first, last, filters)
