"""The lead score as a pure function of (profile, activities, playbook, now).

score = fit + engagement. Fit: points of every matching profile rule (may be
negative). Engagement: points per activity type, each activity's worth halved
every `half_life_days`, then capped per type, per group and in total. The
breakdown lists every contribution (rule, type, cap cut) and sums to the
score, so the admin view can say why a lead is hot. No I/O, no clock: the
same input gives the same result, whatever the order of the activities.

Because every activity decays at the same rate, the engagement at a later
time is the current per-type sums times one factor; that makes it cheap to
say when the rounded score will next change, which is when the scheduled
rescore job has to look at the lead again (so the stored score stays within
a point of this function's).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..playbook.scoring import EMAIL_DOMAIN, Engagement, FitRule, Scoring

_SECONDS_PER_DAY = 86400.0
_BAND_LOWER_BOUND = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[-–+].*)?$")


@dataclass(frozen=True)
class Activity:
    type: str
    at: datetime
    # why a hit looks automated (scanner, prefetch); such hits earn nothing
    flagged: str | None = None
    source: str | None = None  # web | email | server | form
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Contribution:
    rule: str  # fit rule name, activity type, or the cap that cut points
    kind: str  # fit | engagement | cap
    points: float
    detail: str


@dataclass(frozen=True)
class Score:
    total: int
    fit: int
    engagement: int
    temperature: str  # cold | warm | hot
    breakdown: tuple[Contribution, ...]
    # when decay will next change the rounded total or engagement, or an
    # activity leaves the window (None: nothing will change)
    changes_at: datetime | None


def rounded(value: float) -> int:
    """Half up: monotone, so decay never rounds a score upwards."""
    return int(math.floor(value + 0.5))


def scoring_profile(profile: Mapping[str, Any], email: str | None) -> dict[str, Any]:
    """The profile the fit rules see: the stored fields plus the e-mail domain."""
    domain = email.rpartition("@")[2].lower() if email and "@" in email else None
    return {**profile, EMAIL_DOMAIN: domain} if domain else dict(profile)


# --- fit ---------------------------------------------------------------
def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = _BAND_LOWER_BOUND.match(str(value))
    return float(match.group(1)) if match else None


def _text(value: Any) -> str:
    return str(value).strip().casefold()


def _matches_one(rule: FitRule, value: Any, in_list: bool) -> bool:
    if rule.equals is not None:
        if isinstance(rule.equals, float):
            return _number(value) == rule.equals
        return _text(value) == _text(rule.equals)
    if rule.in_ is not None:
        return _text(value) in {_text(v) for v in rule.in_}
    if rule.range is not None:
        number = _number(value)
        return (
            number is not None
            and (rule.range.min is None or number >= rule.range.min)
            and (rule.range.max is None or number <= rule.range.max)
        )
    text = _text(value)
    if rule.contains is not None:
        needles = [_text(n) for n in rule.contains]
        return text in needles if in_list else any(has_words(text, n) for n in needles)
    return any(_text(n) in text for n in rule.contains_text)


def has_words(text: str, words: str) -> bool:
    """`words` in `text` with no letter, digit or underscore joined on either side."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def fit_matches(rule: FitRule, profile: Mapping[str, Any]) -> bool:
    value = profile.get(rule.field)
    in_list = isinstance(value, (list, tuple, set))
    values = list(value) if in_list else [value]
    return any(_matches_one(rule, v, in_list) for v in values if v not in (None, ""))


def _fit(profile: Mapping[str, Any], rules: Iterable[FitRule]) -> list[Contribution]:
    return [
        Contribution(rule.name, "fit", float(rule.points), f"{rule.field} matches")
        for rule in rules
        if fit_matches(rule, profile)
    ]


# --- engagement --------------------------------------------------------
def _once(activities: Iterable[Activity], config: Engagement) -> list[Activity]:
    """Drop the repeats `count_once` says earn nothing. Of each run of
    repeats the latest counts (and, with `days`, each one that far before
    the last counted): a repeat renews the interest, never adds to it, and
    an old repeat leaving the window never raises the score."""
    kept, repeats = [], defaultdict(list)
    for activity in activities:
        rule = config.count_once.get(activity.type)
        if rule is None:
            kept.append(activity)
        else:
            value = (activity.data or {}).get(rule.per) if rule.per else None
            repeats[(activity.type, repr(value))].append(activity)
    for (kind, _), group in repeats.items():
        days = config.count_once[kind].days
        period = timedelta(days=days) if days else None
        last = None
        for activity in sorted(group, key=lambda a: a.at, reverse=True):
            if last is None or (period is not None and last - activity.at >= period):
                kept.append(activity)
                last = activity.at
    return kept


def _decayed_sums(
    activities: Iterable[Activity], config: Engagement, now: datetime
) -> tuple[dict, dict, datetime | None]:
    """Per type: the decayed points now and how many activities count; and
    the time of the oldest that counts (None: none)."""
    half_life = config.half_life_days * _SECONDS_PER_DAY
    window = config.window_days * _SECONDS_PER_DAY
    earning = [
        a for a in activities if config.points.get(a.type) and not a.flagged and (now - a.at).total_seconds() <= window
    ]
    parts: dict[str, list[float]] = defaultdict(list)
    counted = _once(earning, config)
    for activity in counted:
        # an activity stamped after `now` (clock skew) counts as new, never more
        age = max(0.0, (now - activity.at).total_seconds())
        parts[activity.type].append(config.points[activity.type] * 0.5 ** (age / half_life))
    # fsum: exact, so the order of the activities cannot change the result
    oldest = min((a.at for a in counted), default=None)
    return {t: math.fsum(p) for t, p in parts.items()}, {t: len(p) for t, p in parts.items()}, oldest


def _capped(sums: Mapping[str, float], config: Engagement, factor: float = 1.0):
    """(engagement, per-type points after type caps, group cuts, total cut)."""
    per_type = {t: min(s * factor, config.caps.get(t, math.inf)) for t, s in sums.items()}
    group_cuts = {}
    for name, group in config.groups.items():
        in_group = math.fsum(per_type.get(t, 0.0) for t in group.types)
        if in_group > group.cap:
            group_cuts[name] = in_group - group.cap
    subtotal = math.fsum(per_type.values()) - math.fsum(group_cuts.values())
    total_cut = max(0.0, subtotal - config.total_cap) if config.total_cap is not None else 0.0
    return subtotal - total_cut, per_type, group_cuts, total_cut


def _engagement_breakdown(sums, counts, config: Engagement) -> tuple[float, list[Contribution]]:
    engagement, per_type, group_cuts, total_cut = _capped(sums, config)
    out = []
    for kind in sorted(per_type):
        cap = config.caps.get(kind)
        capped = cap is not None and sums[kind] > cap
        out.append(
            Contribution(
                kind,
                "engagement",
                round(per_type[kind], 2),
                f"{counts[kind]}× after decay" + (f", capped at {cap:g}" if capped else ""),
            )
        )
    for name in sorted(group_cuts):
        out.append(
            Contribution(
                f"group:{name}",
                "cap",
                -round(group_cuts[name], 2),
                f"group {name} capped at {config.groups[name].cap:g}",
            )
        )
    if total_cut:
        out.append(Contribution("total", "cap", -round(total_cut, 2), f"engagement capped at {config.total_cap:g}"))
    return engagement, out


# --- bands, thresholds and decay -----------------------------------------
def temperature(total: int, scoring: Scoring) -> str:
    bands = scoring.temperature
    return "hot" if total >= bands.hot else "warm" if total >= bands.warm else "cold"


def _changes_at(fit: float, sums: Mapping[str, float], oldest: datetime | None, config: Engagement, now: datetime):
    """The first moment the rounded total or engagement (what is stored,
    shown and sorted by) will differ from now's, or an activity leaves the
    window, whichever comes first: when the rescore job must look again.
    Decay only ever lowers both, so bisection on time finds the change."""
    window = config.window_days * _SECONDS_PER_DAY
    moments = [oldest + timedelta(seconds=window + 1)] if oldest else []
    half_life = config.half_life_days * _SECONDS_PER_DAY

    def at(seconds: float) -> tuple[int, int]:
        engagement = _capped(sums, config, 0.5 ** (seconds / half_life))[0]
        return rounded(fit + engagement), rounded(engagement)

    current = at(0.0)
    if sums and at(window) != current:
        low, high = 0.0, window  # at(low) == current != at(high)
        while high - low > 1.0:
            middle = (low + high) / 2
            low, high = (middle, high) if at(middle) == current else (low, middle)
        # a second later, so the rescore then is surely past the change
        moments.append(now + timedelta(seconds=math.ceil(high) + 1))
    return min(moments) if moments else None


def score(profile: Mapping[str, Any], activities: Iterable[Activity], scoring: Scoring, now: datetime) -> Score:
    fit_parts = _fit(profile, scoring.fit)
    fit = math.fsum(c.points for c in fit_parts)
    sums, counts, oldest = _decayed_sums(activities, scoring.engagement, now)
    engagement, engagement_parts = _engagement_breakdown(sums, counts, scoring.engagement)
    total = rounded(fit + engagement)
    return Score(
        total=total,
        fit=rounded(fit),
        engagement=rounded(engagement),
        temperature=temperature(total, scoring),
        breakdown=tuple(fit_parts + engagement_parts),
        changes_at=_changes_at(fit, sums, oldest, scoring.engagement, now),
    )
