"""Integration events (lead.confirmed, lead.stage_changed, lead.unsubscribed;
sending.paused and sending.resumed from the sending guard's event items)
read off stream changes, as plain data. The event id is derived from the item
that changed, so a redelivered record yields the same id and receivers can
deduplicate."""

from __future__ import annotations

import hashlib
from typing import Any

from ..storage.models import LEAD_SK, STAGE_PREFIX
from ..storage.reputation import EVENTS_PK
from ..stream.changes import Change


def _event(kind: str, change: Change, at: str, data: dict[str, Any]) -> dict[str, Any]:
    lead_id = change.lead_id
    digest = hashlib.sha256(f"{lead_id}|{change.sk}|{kind}|{at}".encode()).hexdigest()[:32]
    return {"id": digest, "type": kind, "occurred_at": at, "lead_id": lead_id, "data": data}


def _sending_event(change: Change) -> dict[str, Any]:
    new = change.new
    digest = hashlib.sha256(f"{change.pk}|{change.sk}".encode()).hexdigest()[:32]
    data = {k: new[k] for k in ("scope", "by", "reason", "figures", "thresholds", "window", "paused_at") if k in new}
    return {"id": digest, "type": f"sending.{new['action']}", "occurred_at": new["at"], "lead_id": None, "data": data}


def events_from(change: Change) -> list[dict[str, Any]]:
    new, old = change.new or {}, change.old or {}
    if change.event == "INSERT" and change.pk == EVENTS_PK:
        return [_sending_event(change)]
    if change.lead_id is None:
        return []
    if change.event == "INSERT" and change.sk.startswith(STAGE_PREFIX):
        return [
            _event(
                "lead.stage_changed",
                change,
                new["at"],
                {
                    "from": new.get("from_stage"),
                    "to": new.get("to_stage"),
                    "reason": new.get("reason"),
                    "score": new.get("score"),
                },
            )
        ]
    if change.event != "MODIFY" or change.sk != LEAD_SK or not change.changed("status"):
        return []
    if new.get("status") == "confirmed" and old.get("status") != "confirmed":
        return [
            _event(
                "lead.confirmed",
                change,
                new.get("confirmed_at") or new["updated_at"],
                {"form_id": new.get("form_id"), "stage": new.get("stage")},
            )
        ]
    if new.get("status") == "unsubscribed":
        return [_event("lead.unsubscribed", change, new.get("unsubscribed_at") or new["updated_at"], {})]
    return []
