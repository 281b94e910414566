"""Speed-to-lead statistics without reading leads: one counter item per day
(the day the lead became an SQL) with counts and log-scale histograms of the
durations, written in the same transaction as the assignment change they
count. A report over N days reads N items, however many leads there are.
Percentiles come from the histograms: a bucket's upper edge, at most 10 %
above the true value."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

_BASE_SECONDS = 0.01
_GROWTH = 1.1
FIVE_MINUTES, ONE_HOUR = 300, 3600

# histogram attribute prefixes of a day item
SQL_TO_NOTIFIED = "n"
NOTIFIED_TO_ACCEPTED = "r"
SQL_TO_ACCEPTED = "a"
UNASSIGNED_WAIT = "u"  # how long nobody held an SQL (also inside sql_to_notified)
HISTOGRAMS = {
    SQL_TO_NOTIFIED: "sql_to_notified",
    NOTIFIED_TO_ACCEPTED: "notified_to_accepted",
    SQL_TO_ACCEPTED: "sql_to_accepted",
    UNASSIGNED_WAIT: "unassigned_wait",
}
MAX_DAYS = 366


def bucket(seconds: float) -> int:
    if seconds <= _BASE_SECONDS:
        return 0
    return math.ceil(math.log(seconds / _BASE_SECONDS) / math.log(_GROWTH) - 1e-9)


def upper_edge(index: int) -> float:
    return _BASE_SECONDS * _GROWTH**index


def seconds_between(start: str, end: str) -> float:
    return max((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 0.0)


def sql_day(sql_at: str) -> str:
    return sql_at[:10]


def accepted_counters(sql_at: str, notified_at: str | None, accepted_at: str) -> dict[str, int]:
    """What one acceptance adds to its day item."""
    total = seconds_between(sql_at, accepted_at)
    counters = {"accepted": 1, f"{SQL_TO_ACCEPTED}{bucket(total)}": 1}
    if notified_at:
        counters[f"{NOTIFIED_TO_ACCEPTED}{bucket(seconds_between(notified_at, accepted_at))}"] = 1
    if total <= FIVE_MINUTES:
        counters["within_5m"] = 1
    if total <= ONE_HOUR:
        counters["within_1h"] = 1
    return counters


def notified_counters(sql_at: str, notified_at: str) -> dict[str, int]:
    return {"notified": 1, f"{SQL_TO_NOTIFIED}{bucket(seconds_between(sql_at, notified_at))}": 1}


def unassigned_counters(unassigned_at: str | None, taken_at: str) -> dict[str, int]:
    """What a rep taking up an unassigned SQL adds to its day item."""
    return {f"{UNASSIGNED_WAIT}{bucket(seconds_between(unassigned_at or taken_at, taken_at))}": 1}


def days(start: date, end: date) -> list[str]:
    if end < start:
        raise ValueError("to is before from")
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days at a time")
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def _percentile(histogram: Mapping[int, int], share: float) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = math.ceil(share * total), 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return round(upper_edge(index), 3)
    return None


def report(day_items: Iterable[Mapping[str, int]], start: str, end: str) -> dict:
    """Sums the day items (counters by name) into the report."""
    totals: dict[str, int] = {}
    for item in day_items:
        for name, value in item.items():
            totals[name] = totals.get(name, 0) + int(value)
    sqls = totals.get("sqls", 0)
    durations = {}
    for prefix, label in HISTOGRAMS.items():
        histogram = {
            int(name[len(prefix) :]): count
            for name, count in totals.items()
            if name.startswith(prefix) and name[len(prefix) :].isdigit()
        }
        durations[label] = {
            "count": sum(histogram.values()),
            "median_seconds": _percentile(histogram, 0.5),
            "p90_seconds": _percentile(histogram, 0.9),
        }
    return {
        "from": start,
        "to": end,
        "sqls": sqls,
        "notified": totals.get("notified", 0),
        "accepted": totals.get("accepted", 0),
        "unassigned": totals.get("unassigned", 0),
        "accepted_within_5_minutes": round(totals.get("within_5m", 0) / sqls, 4) if sqls else None,
        "accepted_within_1_hour": round(totals.get("within_1h", 0) / sqls, 4) if sqls else None,
        **durations,
        "precision": "durations are histogram bucket upper edges, at most 10 % above the true value",
    }
