"""Revenue, lifetime value and sales feedback per channel, on plain data.

A sales event on an assignment (an offer accepted or declined, an outcome
recorded) becomes ADDs on the funnel's day counter items, for every
combination of the lead's attribution, so the revenue report reads the same
one item per day as the funnel and never a lead. Its attributes are
`rv#<scope>#<metric>`, scope `*`, `source=<value>` or `campaign=<value>`
(url-quoted), for the report's breakdowns; the metrics:

- `won`: customers; `won#<currency>`: customers with a deal value;
- `one_off#<currency>`, `recurring#<currency>`: one-off values, and recurring
  values times their expected months (the lifetime value);
- `opp#<currency>`, `pipe#<currency>`: opportunities with an expected value
  and its sum;
- `t#<bucket>`: time from signup to customer, in the funnel's log histogram;
- `out#<outcome>`: outcomes recorded; `why#<outcome>#<reason>`: lost and
  disqualified leads by reason (`(none)` when none was given);
- `offer#accepted`, `offer#declined`: what reps did with the SQLs offered.

Money is counted in hundredths (values have at most 2 decimals) as integers,
one sum per currency: amounts in different currencies are never added. A win
taken back subtracts what it added, on the win's day, so a report shows it
as if it had never been won.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from typing import Any
from urllib.parse import quote, unquote

from ..playbook.outcomes import REASONED
from ..routing.deal import PERIOD_MONTHS
from .funnel import DIMENSIONS, NONE, bucket, costs, counter_key, quantile_seconds, spends_by_campaign

PREFIX = "rv#"
ALL_SCOPE = "*"
BROKEN_DOWN = ("source", "campaign")
ACCEPTED, DECLINED, OUTCOME = "accepted", "declined", "outcome"
CENTS = Decimal(100)


@dataclass(frozen=True)
class SalesEvent:
    kind: str  # accepted | declined | outcome
    at: datetime
    outcome: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)  # routing.deal's kept details


def lifetime_cents(details: Mapping[str, Any]) -> int:
    """A deal's lifetime value in hundredths: the one-off value, or the
    recurring value per period times the months it is expected to run."""
    value = Decimal(details["value"])
    if details.get("recurring"):
        value = value * details["expected_months"] / PERIOD_MONTHS[details["recurring"]]
    return int((value * CENTS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def metrics(event: SalesEvent, signed_up_at: datetime | None) -> dict[str, int]:
    """The metrics one sales event adds (without scope)."""
    if event.kind != OUTCOME:
        return {f"offer#{event.kind}": 1}
    added = {f"out#{event.outcome}": 1}
    details = event.details
    currency = details.get("currency")
    if event.outcome == "won":
        added["won"] = 1
        if signed_up_at is not None and signed_up_at <= event.at:
            added[f"t#{bucket((event.at - signed_up_at).total_seconds())}"] = 1
        if currency:
            added[f"won#{currency}"] = 1
            kind = "recurring" if details.get("recurring") else "one_off"
            added[f"{kind}#{currency}"] = lifetime_cents(details)
    elif event.outcome == "opportunity" and currency:
        added[f"opp#{currency}"] = 1
        added[f"pipe#{currency}"] = lifetime_cents(details)
    elif event.outcome in REASONED:
        added[f"why#{event.outcome}#{details.get('reason') or NONE}"] = 1
    return added


def _scope(dim: str, value: str) -> str:
    return f"{dim}={quote(value, safe='')}"


def increments(
    event: SalesEvent, signed_up_at: datetime | None, attribution: Mapping[str, str], sign: int = 1
) -> dict[str, dict[str, int]]:
    """Counter key -> attribute -> amount to ADD (sign -1: take it back)."""
    added = {name: sign * n for name, n in metrics(event, signed_up_at).items()}
    scopes = [ALL_SCOPE] + [_scope(dim, attribution[dim]) for dim in BROKEN_DOWN]
    attributes = {f"{PREFIX}{scope}#{name}": n for scope in scopes for name, n in added.items()}
    dims = [(d, attribution[d]) for d in DIMENSIONS]
    keys = [counter_key(dict(chosen)) for size in range(len(dims) + 1) for chosen in combinations(dims, size)]
    return {key: dict(attributes) for key in keys}


# --- the report ----------------------------------------------------------
def _scoped(counters: Iterable[Mapping[str, Any]]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Scope -> metric -> total, and the funnel's lead entries (in#lead, by
    source and campaign) for the cost per lead."""
    scoped: dict[str, dict[str, int]] = {}
    leads: dict[str, int] = {}
    for counter in counters:
        for name, value in counter.items():
            if name.startswith(PREFIX):
                scope, metric = name[len(PREFIX) :].split("#", 1)
                totals = scoped.setdefault(scope, {})
                totals[metric] = totals.get(metric, 0) + int(value)
            elif name == "in#lead":
                leads[ALL_SCOPE] = leads.get(ALL_SCOPE, 0) + int(value)
            elif name.startswith("by#") and name.endswith("#lead"):
                dim, label = name[3:-5].split("#", 1)
                key = _scope(dim, label)
                leads[key] = leads.get(key, 0) + int(value)
    return scoped, leads


def _cents(n: int) -> float:
    return round(n / 100, 2)


def _ratio(numerator: float | None, denominator: float | None, places: int = 4) -> float | None:
    return round(numerator / denominator, places) if numerator is not None and denominator else None


def _under(totals: Mapping[str, int], prefix: str) -> dict[str, int]:
    """The metrics under a prefix, by what follows it; zeros (a win taken
    back) left out."""
    return {name[len(prefix) :]: n for name, n in totals.items() if name.startswith(prefix) and n}


def money(totals: Mapping[str, int], spent: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Revenue, lifetime value, spend and their ratios, one row per currency
    (revenue in one currency is only ever set against spend in the same)."""
    customers = _under(totals, "won#")
    one_off, recurring = _under(totals, "one_off#"), _under(totals, "recurring#")
    spend = {row["currency"]: row for row in spent if row["spend"]}
    rows = []
    for currency in sorted(set(customers) | set(one_off) | set(recurring) | set(spend)):
        revenue = _cents(one_off.get(currency, 0) + recurring.get(currency, 0))
        clv = _ratio(revenue, customers.get(currency), 2)
        cost = spend.get(currency, {})
        cpl = cost.get("per_lead")
        rows.append(
            {
                "currency": currency,
                "customers": customers.get(currency, 0),
                "revenue": revenue,
                "one_off": _cents(one_off.get(currency, 0)),
                "recurring_lifetime": _cents(recurring.get(currency, 0)),
                "average_lifetime_value": clv,
                "spend": cost.get("spend"),
                "roi": _ratio(revenue - cost["spend"], cost["spend"]) if cost else None,
                "cost_per_lead": cpl,
                "cpl_to_clv": _ratio(cpl, clv),
            }
        )
    return rows


def reasons(totals: Mapping[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Lost and disqualified leads by reason, each with its share of the outcome."""
    by_outcome: dict[str, list[dict[str, Any]]] = {}
    for outcome in REASONED:
        counts = _under(totals, f"why#{outcome}#")
        total = sum(counts.values())
        by_outcome[outcome] = [
            {"reason": reason, "count": n, "share": _ratio(n, total)}
            for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
    return by_outcome


def channel(totals: Mapping[str, int], spent: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Everything the report says about one channel (or all of them)."""
    histogram = {int(name[2:]): n for name, n in totals.items() if name.startswith("t#")}
    accepted, declined = totals.get("offer#accepted", 0), totals.get("offer#declined", 0)
    return {
        "customers": totals.get("won", 0),
        "money": money(totals, spent),
        "pipeline": [
            {"currency": currency, "opportunities": n, "expected_value": _cents(totals.get(f"pipe#{currency}", 0))}
            for currency, n in sorted(_under(totals, "opp#").items())
        ],
        "lead_to_customer": {
            "customers_timed": sum(histogram.values()),
            "median_seconds": quantile_seconds(histogram, 0.5),
            "p90_seconds": quantile_seconds(histogram, 0.9),
        },
        "sql_acceptance": {"accepted": accepted, "declined": declined, "rate": _ratio(accepted, accepted + declined)},
        "outcomes": _under(totals, "out#"),
        "reasons": reasons(totals),
    }


def report(
    counters: list[Mapping[str, Any]],
    spends: list[Mapping[str, Any]],
    first: date,
    last: date,
    filters: Mapping[str, str],
) -> dict[str, Any]:
    scoped, leads = _scoped(counters)
    by_campaign = spends_by_campaign(spends)

    def spent(scope: str, entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return costs(entries, {"lead": leads.get(scope, 0)}, first, last)

    # spend is per campaign: it can be set against all leads, or one
    # campaign's, never against a source's or a form's share of them
    if filters.get("campaign"):
        total_spend = spent(ALL_SCOPE, by_campaign.get(filters["campaign"], []))
    elif not filters:
        total_spend = spent(ALL_SCOPE, spends)
    else:
        total_spend = []
    sources = sorted(unquote(s[7:]) for s in scoped if s.startswith("source="))
    campaigns = {unquote(s[9:]) for s in scoped if s.startswith("campaign=")}
    if not filters.get("source") and not filters.get("form"):
        campaigns |= {c for c in by_campaign if not filters.get("campaign") or c == filters["campaign"]}
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "filters": dict(filters),
        "total": channel(scoped.get(ALL_SCOPE, {}), total_spend),
        "by_source": [
            {"source": source, **channel(scoped.get(_scope("source", source), {}), [])} for source in sources
        ],
        "by_campaign": [
            {
                "campaign": campaign,
                **channel(
                    scoped.get(_scope("campaign", campaign), {}),
                    spent(_scope("campaign", campaign), by_campaign.get(campaign, []))
                    if not filters.get("source") and not filters.get("form")
                    else [],
                ),
            }
            for campaign in sorted(campaigns)
        ],
        "counter_items_read": len(counters),
    }
