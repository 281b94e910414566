"""Funnel counting and the funnel report, on plain data.

A transition (a lead entering a stage) becomes ADDs on day counters, one
counter item per day for every combination of its attribution (source,
campaign, form: 8 combinations, "*" for none), so a report with any filter
reads exactly one counter per day in its range and never a lead. Each
counter holds:

- `in#<stage>`: leads that entered the stage that day. A forward jump
  (lead -> sql) counts every stage passed on the way; a backward move
  (sales recycling to nurture) is counted as `recycled`, not as a new entry.
- `t#<stage>#<bucket>`: how long leads that left the stage that day had
  been in it, as a log histogram (bucket b holds durations in
  [1.25^(b-1), 1.25^b) seconds), so the median over any range is merged
  from per-day histograms to within about 12 %.
- `by#source#<value>#<stage>` / `by#campaign#<value>#<stage>`: entries
  broken down by source and campaign, for the report's breakdowns.
- `out#unsubscribed` / `out#suppressed`: leads that unsubscribed or were
  suppressed (hard bounce, complaint) that day.

Conversion from one stage to the next is a flow rate: entries into the next
stage over entries into this one within the range (not a cohort).
Days are UTC dates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations
from typing import Any
from urllib.parse import quote

from ..scoring.stages import STAGES, rank

DIMENSIONS = ("source", "campaign", "form")
# where each dimension comes from: the lead's first-touch UTM attribution
# and the form it signed up with
ATTRIBUTION = {"source": "utm_source", "campaign": "utm_campaign"}
NONE = "(none)"
ALL = "*"
RECYCLED = "recycled"
BUCKET_BASE = 1.25
# the stages cost is reported for ("cost per lead / MQL / SQL")
COSTED = ("lead", "mql", "sql")
MAX_VALUE = 100
# the activity types that stop a lead's mail, counted as `out#<type>`
OPT_OUTS = ("unsubscribed", "suppressed")


class InvalidRange(ValueError):
    pass


@dataclass(frozen=True)
class Transition:
    at: datetime
    from_stage: str | None  # None: a new signup entering `subscriber`
    to_stage: str
    seconds_in_from: float | None  # None when the entry into from_stage is unknown
    attribution: Mapping[str, str]  # dimension -> value


def dimension_value(value: Any) -> str:
    text = str(value or "").strip().lower()[:MAX_VALUE]
    return text or NONE


def attribution_of(lead_attribution: Mapping[str, Any] | None, form_id: str | None) -> dict[str, str]:
    attribution = lead_attribution or {}
    values = {dim: dimension_value(attribution.get(field)) for dim, field in ATTRIBUTION.items()}
    values["form"] = dimension_value(form_id)
    return values


def counter_key(filters: Mapping[str, str]) -> str:
    """The counter partition for a set of filters (dimension -> value)."""
    parts = [f"{dim}={quote(filters[dim], safe='')}" for dim in DIMENSIONS if filters.get(dim)]
    return "&".join(parts) or ALL


def bucket(seconds: float) -> int:
    return 0 if seconds < 1 else int(math.log(seconds, BUCKET_BASE)) + 1


def entered_stages(from_stage: str | None, to_stage: str) -> list[str]:
    """Stages a move counts as entered: all passed on a forward move."""
    if from_stage is None:
        return [to_stage]
    if rank(to_stage) <= rank(from_stage):
        return []
    return [s for s in STAGES if rank(from_stage) < rank(s) <= rank(to_stage)]


def increments(transition: Transition) -> dict[str, dict[str, int]]:
    """Counter key -> attribute -> amount to ADD, for one transition."""
    added: dict[str, int] = {}
    entered = entered_stages(transition.from_stage, transition.to_stage)
    for stage in entered:
        added[f"in#{stage}"] = 1
        for dim in ("source", "campaign"):
            added[f"by#{dim}#{transition.attribution[dim]}#{stage}"] = 1
    if transition.from_stage is not None and not entered:
        added[f"in#{RECYCLED}"] = 1
    if transition.from_stage is not None and transition.seconds_in_from is not None:
        added[f"t#{transition.from_stage}#{bucket(transition.seconds_in_from)}"] = 1
    return {key: dict(added) for key in counter_keys(transition.attribution)}


def counter_keys(attribution: Mapping[str, str]) -> list[str]:
    """Every filter combination a lead with this attribution counts under."""
    dims = [(d, attribution[d]) for d in DIMENSIONS]
    return [counter_key(dict(chosen)) for size in range(len(dims) + 1) for chosen in combinations(dims, size)]


def opt_out_increments(kind: str, attribution: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Counter key -> attribute -> amount to ADD, for one lead opting out."""
    return {key: {f"out#{kind}": 1} for key in counter_keys(attribution)}


def day_of(at: datetime) -> str:
    return at.date().isoformat()


def parse_range(start: str | None, end: str | None, max_days: int = 731) -> tuple[date, date]:
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except (TypeError, ValueError):
        raise InvalidRange("from and to must be dates like 2026-11-01") from None
    if last < first:
        raise InvalidRange("to must not be before from")
    if (last - first).days >= max_days:
        raise InvalidRange(f"the range must be at most {max_days} days")
    return first, last


# --- the report ----------------------------------------------------------
def _merge(counters: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counter in counters:
        for name, value in counter.items():
            if name.startswith(("in#", "t#", "by#", "out#")):
                total[name] = total.get(name, 0) + int(value)
    return total


def quantile_seconds(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0.5: median) of a log histogram, interpolated
    geometrically in its bucket."""
    count = sum(histogram.values())
    if not count:
        return None
    wanted, seen = count * q, 0
    for b in sorted(histogram):
        n = histogram[b]
        if n and seen + n >= wanted:
            if b == 0:
                return 0.0
            low, high = BUCKET_BASE ** (b - 1), BUCKET_BASE**b
            return round(low * (high / low) ** ((wanted - seen) / n), 1)
        seen += n
    return None  # unreachable: the loop reaches the wanted count


def median_seconds(histogram: Mapping[int, int]) -> float | None:
    return quantile_seconds(histogram, 0.5)


def _breakdown(merged: Mapping[str, int], dim: str) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = {}
    prefix = f"by#{dim}#"
    for name, value in merged.items():
        if name.startswith(prefix):
            label, stage = name[len(prefix) :].rsplit("#", 1)
            rows.setdefault(label, {})[stage] = value
    return rows


def prorated(spend: Mapping[str, Any], first: date, last: date) -> float:
    """The part of a spend entry that falls within [first, last] (spread
    evenly over the days of its period)."""
    start, end = date.fromisoformat(spend["from"]), date.fromisoformat(spend["to"])
    overlap = (min(end, last) - max(start, first)).days + 1
    if overlap <= 0:
        return 0.0
    return float(spend["amount"]) * overlap / ((end - start).days + 1)


def costs(spends: Iterable[Mapping[str, Any]], entered: Mapping[str, int], first: date, last: date) -> list[dict]:
    """Spend in the range per currency, and cost per lead / MQL / SQL
    (spend / entries; None when there were none)."""
    per_currency: dict[str, float] = {}
    for spend in spends:
        per_currency[spend["currency"]] = per_currency.get(spend["currency"], 0.0) + prorated(spend, first, last)
    return [
        {
            "currency": currency,
            "spend": round(amount, 2),
            **{f"per_{stage}": round(amount / entered[stage], 2) if entered.get(stage) else None for stage in COSTED},
        }
        for currency, amount in sorted(per_currency.items())
    ]


def spends_by_campaign(spends: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for spend in spends:
        grouped.setdefault(spend["campaign"], []).append(spend)
    return grouped


def report(
    counters: list[Mapping[str, Any]],
    spends: list[Mapping[str, Any]],
    first: date,
    last: date,
    filters: Mapping[str, str],
) -> dict[str, Any]:
    merged = _merge(counters)
    entered = {stage: merged.get(f"in#{stage}", 0) for stage in STAGES}
    stages = []
    for index, stage in enumerate(STAGES):
        histogram = {int(n.rsplit("#", 1)[1]): v for n, v in merged.items() if n.startswith(f"t#{stage}#")}
        following = STAGES[index + 1] if index + 1 < len(STAGES) else None
        stages.append(
            {
                "stage": stage,
                "entered": entered[stage],
                "conversion_to_next": round(entered[following] / entered[stage], 4)
                if following and entered[stage]
                else None,
                "median_seconds_in_stage": median_seconds(histogram),
                "left_with_duration": sum(histogram.values()),
            }
        )
    spend_by_campaign = spends_by_campaign(spends)
    by_campaign = _breakdown(merged, "campaign")
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "filters": dict(filters),
        "stages": stages,
        "recycled": merged.get(f"in#{RECYCLED}", 0),
        "opted_out": {kind: merged.get(f"out#{kind}", 0) for kind in OPT_OUTS},
        "by_source": [
            {"source": label, "entered": counts} for label, counts in sorted(_breakdown(merged, "source").items())
        ],
        "by_campaign": [
            {"campaign": label, "entered": counts, "cost": costs(spend_by_campaign.get(label, []), counts, first, last)}
            for label, counts in sorted(by_campaign.items())
        ],
        "cost": costs(spend_by_campaign.get(filters["campaign"], []), entered, first, last)
        if filters.get("campaign")
        else None,
        "counter_items_read": len(counters),
    }
