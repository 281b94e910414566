"""Naive Bayes over categorical lead facts, as Odoo's predictive lead scoring
does it, on plain data (no I/O).

The model is counters: how many won and lost leads there are, and per fact
and value how many of each had it. A lead's odds of winning are the prior
odds times, per fact, the likelihood ratio P(value | won) / P(value | lost).
Every count is smoothed with Laplace's add-alpha (the playbook's
`smoothing`, 1 as shipped): P(value | won) = (won with value + alpha) /
(won + alpha * (values seen + 1)), the +1 being the room for a value never
seen, so a new value is neutral rather than impossible. Likelihood ratios
are kept in natural-log form: a fact's weight is its log ratio, 0 neutral.

Counting is symmetric: what a closed lead added (its class and facts, kept
on its outcome record) is exactly what a reversal or an erasure takes away,
so the counters never depend on the order things happened in."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

WON, LOST = "won", "lost"
# the outcomes reps record, as the model's two classes; `opportunity` closes
# nothing and is not a class. Recycling is a loss until the lead wins later
# (then the later outcome replaces it).
CLASS_OF_OUTCOME = {"won": WON, "lost": LOST, "disqualified": LOST, "recycle": LOST}
PREDICTED, INSUFFICIENT = "predicted", "insufficient_data"
LOWEST, HIGHEST = 0.01, 0.99
FACTORS_EACH_WAY = 3


@dataclass(frozen=True)
class Counts:
    """The model: closed leads per class, and per (fact, value) [won, lost]."""

    won: int = 0
    lost: int = 0
    values: Mapping[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def closed(self) -> int:
        return self.won + self.lost


@dataclass(frozen=True)
class Contribution:
    """What one closed lead adds to the counters: its class and its facts."""

    label: str  # won | lost
    facts: Mapping[str, str]


@dataclass(frozen=True)
class Deltas:
    """Changes to the counters: the prior's [won, lost] and per (fact, value)."""

    prior: tuple[int, int]
    values: Mapping[tuple[str, str], tuple[int, int]]


def _pair(label: str, sign: int) -> tuple[int, int]:
    return (sign, 0) if label == WON else (0, sign)


def deltas(old: Contribution | None, new: Contribution | None) -> Deltas:
    """What replacing one lead's counted contribution with another changes
    (None: nothing counted / nothing to count). Pairs that cancel are left
    out, so a value both old and new hold in the same class costs no write."""
    prior = [0, 0]
    values: dict[tuple[str, str], list[int]] = {}
    for contribution, sign in ((old, -1), (new, 1)):
        if contribution is None:
            continue
        w, lo = _pair(contribution.label, sign)
        prior[0] += w
        prior[1] += lo
        for fact, value in contribution.facts.items():
            pair = values.setdefault((fact, value), [0, 0])
            pair[0] += w
            pair[1] += lo
    return Deltas(
        prior=(prior[0], prior[1]),
        values={key: (pair[0], pair[1]) for key, pair in values.items() if pair != [0, 0]},
    )


def applied(counts: Counts, change: Deltas) -> Counts:
    values = dict(counts.values)
    for key, (w, lo) in change.values.items():
        old_w, old_l = values.get(key, (0, 0))
        values[key] = (old_w + w, old_l + lo)
    return Counts(
        won=counts.won + change.prior[0],
        lost=counts.lost + change.prior[1],
        values={key: pair for key, pair in values.items() if pair != (0, 0)},
    )


def difference(target: Counts, current: Counts) -> Deltas:
    """The deltas that turn `current` into `target` (the rebuild's corrections)."""
    values = {}
    for key in set(target.values) | set(current.values):
        tw, tl = target.values.get(key, (0, 0))
        cw, cl = current.values.get(key, (0, 0))
        if (tw, tl) != (cw, cl):
            values[key] = (tw - cw, tl - cl)
    return Deltas(prior=(target.won - current.won, target.lost - current.lost), values=values)


def counted(contributions: Iterable[Contribution]) -> Counts:
    """The counters a set of closed leads makes (the weekly rebuild)."""
    counts = Counts()
    for contribution in contributions:
        counts = applied(counts, deltas(None, contribution))
    return counts


@dataclass(frozen=True)
class Factor:
    fact: str
    value: str
    weight: float  # log likelihood ratio: > 0 for winning, < 0 against
    won_share: float  # smoothed share of won among closed leads with this value
    closed: int  # closed leads with this value

    def view(self) -> dict:
        return {
            "fact": self.fact,
            "value": self.value,
            "weight": round(self.weight, 4),
            "won_share": round(self.won_share, 4),
            "closed": self.closed,
        }


def _fact_totals(counts: Counts) -> dict[str, tuple[int, int, int]]:
    """Per fact: (won, lost, distinct values seen)."""
    totals: dict[str, list[int]] = {}
    for (fact, _), (w, lo) in counts.values.items():
        entry = totals.setdefault(fact, [0, 0, 0])
        entry[0] += w
        entry[1] += lo
        entry[2] += 1
    return {fact: (w, lo, n) for fact, (w, lo, n) in totals.items()}


def factors(facts: Mapping[str, str], counts: Counts, smoothing: float) -> list[Factor]:
    """Each fact of the lead with its weight, strongest for winning first."""
    totals = _fact_totals(counts)
    found = []
    for fact, value in facts.items():
        w, lo = counts.values.get((fact, value), (0, 0))
        fact_won, fact_lost, seen = totals.get(fact, (0, 0, 0))
        room = smoothing * (seen + 1)  # every value seen, and one never seen
        p_won = (w + smoothing) / (fact_won + room)
        p_lost = (lo + smoothing) / (fact_lost + room)
        share = (w + smoothing) / (w + lo + 2 * smoothing)
        found.append(Factor(fact, value, math.log(p_won / p_lost), share, w + lo))
    return sorted(found, key=lambda f: (-f.weight, f.fact))


def clamp(probability: float) -> float:
    return min(HIGHEST, max(LOWEST, probability))


def probability(facts: Mapping[str, str], counts: Counts, smoothing: float) -> float:
    """won / (won + lost): the smoothed prior odds times each fact's
    likelihood ratio, clamped to 1 %-99 %."""
    log_odds = math.log((counts.won + smoothing) / (counts.lost + smoothing))
    log_odds += sum(f.weight for f in factors(facts, counts, smoothing))
    log_odds = min(50.0, max(-50.0, log_odds))  # far beyond the clamp either way
    return clamp(1 / (1 + math.exp(-log_odds)))


def band(value: float, bands: Mapping[str, float]) -> str:
    """The band whose lower bound is the highest one not above the value."""
    return max(((bound, name) for name, bound in bands.items() if bound <= value), default=(0, ""))[1]


def predict(
    facts: Mapping[str, str], counts: Counts, *, smoothing: float, min_outcomes: int, bands: Mapping[str, float]
) -> dict:
    """The prediction as the lead shows it: probability, band and the three
    strongest and three weakest facts; or `insufficient_data` and no number
    before `min_outcomes` closed leads were counted."""
    if counts.closed < min_outcomes:
        return {"status": INSUFFICIENT, "closed_outcomes": counts.closed, "min_outcomes": min_outcomes}
    ranked = factors(facts, counts, smoothing)
    strongest = ranked[:FACTORS_EACH_WAY]
    weakest = ranked[max(FACTORS_EACH_WAY, len(ranked) - FACTORS_EACH_WAY) :][::-1]
    value = probability(facts, counts, smoothing)
    return {
        "status": PREDICTED,
        "probability": round(value, 4),
        "band": band(value, bands),
        "factors": {"strongest": [f.view() for f in strongest], "weakest": [f.view() for f in weakest]},
        "closed_outcomes": counts.closed,
    }


def calibration_deltas(old: Mapping | None, new: Mapping | None) -> dict[str, dict[str, int]]:
    """day -> {"<band>#<class>": change} for replacing one counted outcome
    record by another: what band the lead was predicted in when it closed,
    against how it closed. Outcomes closed without a number count nowhere."""
    change: dict[str, dict[str, int]] = {}
    for record, sign in ((old, -1), (new, 1)):
        if record and record.get("predicted_band"):
            day = change.setdefault(record["outcome_at"][:10], {})
            name = f"{record['predicted_band']}#{record['label']}"
            day[name] = day.get(name, 0) + sign
    return {day: {k: v for k, v in names.items() if v} for day, names in change.items() if any(names.values())}


def calibration_table(days: Iterable[Mapping[str, int]], bands: Mapping[str, float]) -> list[dict]:
    """Per band (lowest first): the leads closed while predicted in it and
    the share of them that was won."""
    ordered = sorted(bands.items(), key=lambda kv: kv[1])
    rows = []
    for n, (name, low) in enumerate(ordered):
        won = sum(day.get(f"{name}#{WON}", 0) for day in days)
        lost = sum(day.get(f"{name}#{LOST}", 0) for day in days)
        high = ordered[n + 1][1] if n + 1 < len(ordered) else 1.0
        rows.append(
            {
                "band": name,
                "predicted": {"from": low, "to": high},
                "closed": won + lost,
                "won": won,
                "won_share": round(won / (won + lost), 4) if won + lost else None,
            }
        )
    return rows
