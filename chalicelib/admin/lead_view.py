"""A lead as the admin API shows it: profile, status, score with its
breakdown ("why is this lead hot?"), consents with their evidence, consent
withdrawals, activities, stage history, opt-in and nurture mails, from its
items."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..storage.leads import plain
from ..storage.models import (
    ActivityItem,
    AssignmentItem,
    ConsentItem,
    LeadItem,
    NurtureSendItem,
    OptInRequestItem,
    StageChangeItem,
    WebhookDeliveryItem,
    WithdrawalItem,
)

_HIDDEN = {
    "pk",
    "sk",
    "version",
    "opt_in_token_hash",
    "pending_sks",
    "rate_window",
    "rate_count",
    "token_hash",
    "rescore_shard",
    "sla_shard",
    "nurture_shard",
    "funnel_counted_at",
    "counted_at",
    "prediction_probability",  # the list's sort key; the prediction shows it
}
# lead attributes shown together under "scoring" (score and temperature stay
# at the top as well, for lists)
_SCORING = {
    "score": "score",
    "fit_score": "fit",
    "engagement_score": "engagement",
    "temperature": "temperature",
    "score_breakdown": "breakdown",
    "scored_at": "scored_at",
    "rescore_at": "next_rescore_at",
}


# where each kind of item is listed in the view
_LISTS = {
    ConsentItem: "consents",
    WithdrawalItem: "withdrawals",
    ActivityItem: "activities",
    StageChangeItem: "stage_changes",
    OptInRequestItem: "opt_in_mails",
    AssignmentItem: "assignments",
    NurtureSendItem: "nurture_mails",
    WebhookDeliveryItem: "webhook_deliveries",
}


def _fields(item) -> dict[str, Any]:
    return {k: plain(v) for k, v in item.attribute_values.items() if k not in _HIDDEN}


def lead_view(items: Iterable, now_epoch: int) -> dict[str, Any] | None:
    view: dict[str, Any] = {name: [] for name in _LISTS.values()}
    lead = None
    for item in items:
        if item.expires_at is not None and item.expires_at <= now_epoch:
            continue  # past its TTL: as good as deleted
        if isinstance(item, LeadItem):
            lead = _fields(item)
        elif type(item) in _LISTS:
            view[_LISTS[type(item)]].append(_fields(item))
    if lead is None:
        return None
    lead.pop("expires_at", None)
    return {**lead, "scoring": _scoring(lead), **view}


def _scoring(lead: dict[str, Any]) -> dict[str, Any]:
    scoring = {shown: lead.pop(name, None) for name, shown in _SCORING.items() if name not in ("score", "temperature")}
    scoring.update(score=lead.get("score"), temperature=lead.get("temperature"))
    # biggest contributions first: the answer to "why is this lead hot?"
    scoring["breakdown"] = sorted(scoring["breakdown"] or [], key=lambda c: -abs(c["points"]))
    return scoring
