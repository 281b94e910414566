"""A lead's facts for the prediction model, from plain data: profile fields
(country, company size, industry, source, form, free-mail or not, job-title
seniority) and behaviour, bucketed (activities per type in the first days
after confirming, the temperature when it reached MQL). Values are
categories, never personal data: the counters keep them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ..playbook.prediction import Prediction
from ..playbook.scoring import Scoring
from ..routing.rules import lead_facts as routing_facts
from ..scoring.rules import has_words, temperature
from ..scoring.stages import rank

NONE = "(none)"
NEVER = "(never)"
_LONGEST = 64  # a counter key stays short whatever utm_source says


def _value(value: Any) -> str:
    text = " ".join(str(value).split()) if value not in (None, "") else ""
    return text[:_LONGEST] if text else NONE


def bucket(count: int) -> str:
    return "0" if count == 0 else "1" if count == 1 else "2-3" if count <= 3 else "4+"


def seniority(job_title: Any, levels: Mapping[str, Iterable[str]]) -> str:
    if not isinstance(job_title, str) or not job_title.strip():
        return NONE
    title = job_title.casefold()
    return next(
        (level for level, words in levels.items() if any(has_words(title, w.casefold()) for w in words)), "other"
    )


def temperature_at_mql(stage_changes: Iterable[Mapping[str, Any]], scoring: Scoring) -> str:
    """The temperature of the score with which the lead first reached MQL
    (or skipped past it)."""
    reached = [c for c in stage_changes if rank(c.get("to_stage", "")) >= rank("mql")]
    if not reached:
        return NEVER
    first = min(reached, key=lambda c: c.get("at", ""))
    score = first.get("score")
    return temperature(score, scoring) if isinstance(score, (int, float)) else NONE


def lead_facts(
    lead: Mapping[str, Any],
    activities: Iterable[Mapping[str, Any]],
    stage_changes: Iterable[Mapping[str, Any]],
    prediction: Prediction,
    scoring: Scoring,
) -> dict[str, str]:
    """fact -> value for the facts the playbook lists. `lead` is the lead
    item's fields; activities and stage changes are its items (at, type,
    flagged / at, to_stage, score)."""
    profile = lead.get("profile") or {}
    routed = routing_facts(profile, lead.get("attribution") or {}, lead.get("form_id"))
    domain = str(lead.get("email") or "").rpartition("@")[2].casefold()
    free = {d.casefold() for d in prediction.free_mail_domains}
    start = lead.get("confirmed_at") or lead.get("created_at")
    counts = dict.fromkeys(prediction.activity_types, 0)
    if start:
        begin = datetime.fromisoformat(start)
        end = begin + timedelta(days=prediction.activity_days)
        for activity in activities:
            kind, at = activity.get("type"), activity.get("at")
            if kind in counts and not activity.get("flagged") and at and begin <= datetime.fromisoformat(at) < end:
                counts[kind] += 1
    known = {
        "country": _value(routed.country),
        "company_size": _value(routed.company_size),
        "industry": _value(routed.industry),
        "source": _value(routed.source and routed.source.casefold()),
        "form": _value(lead.get("form_id")),
        "free_mail": "yes" if domain in free else "no",
        "seniority": seniority(profile.get("job_title"), prediction.seniority),
        "temperature_at_mql": temperature_at_mql(stage_changes, scoring),
        **{f"activity:{kind}": bucket(n) for kind, n in counts.items()},
    }
    return {name: known[name] for name in prediction.fact_names()}
