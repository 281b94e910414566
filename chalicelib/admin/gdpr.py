"""GDPR rights on a lead's data: the export (everything stored about the
person), the timeline of the admin view, and erasure.

Every item that names a lead lives in its partition (ARCHITECTURE.md), so
these work on the partition's items as plain dicts and group them by their
sort key's prefix: kinds added by later features appear without a change
here. Outside the partition only the opt-in token lookups (`TOKEN#<hash>`)
name the lead; erasure finds them through the hashes stored in it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..clock import iso
from ..storage.errors import UnknownLead

# sort key prefix -> the name a person reads in the export
KINDS = {
    "LEAD": "profile",
    "CONSENT": "consents",
    "ACT": "activities",
    "DOI": "opt_in_mails",
    "STAGE": "stage_changes",
    "WITHDRAWAL": "withdrawals",
    "PREDICT": "prediction_outcomes",
}
_TIME_FIELDS = ("at", "given_at", "requested_at", "withdrawn_at", "created_at")
_KEYS = ("pk", "sk")


def kind(sk: str) -> str:
    prefix = sk.split("#", 1)[0]
    return KINDS.get(prefix, prefix.lower())


def _live(item: Mapping[str, Any], now_epoch: int) -> bool:
    """Not past its TTL (DynamoDB deletes expired items some time later)."""
    return (item.get("expires_at") or now_epoch + 1) > now_epoch


def export_document(items: Iterable[Mapping[str, Any]], exported_at: str, now_epoch: int) -> dict[str, Any] | None:
    """Everything stored about the person, or None when there is no lead
    (an unconfirmed signup past its TTL is absent here as in the lead view)."""
    items = [i for i in items if _live(i, now_epoch)]
    if not any(i["sk"] == "LEAD" for i in items):
        return None
    document: dict[str, Any] = {"exported_at": exported_at, "profile": None}
    for item in sorted(items, key=lambda i: i["sk"]):
        fields = {k: v for k, v in item.items() if k not in _KEYS}
        name = kind(item["sk"])
        if name == "profile":
            document["profile"] = fields
        else:
            document.setdefault(name, []).append(fields)
    return document


def _when(item: Mapping[str, Any]) -> str:
    for name in _TIME_FIELDS:
        if isinstance(item.get(name), str):
            return item[name]
    parts = item["sk"].split("#")
    return parts[1] if len(parts) > 1 else ""


def timeline(items: Iterable[Mapping[str, Any]], hidden: frozenset[str], now_epoch: int) -> list[dict[str, Any]]:
    """Everything that happened to the lead, oldest first: activities, stage
    changes, opt-in mails, consents, withdrawals and later kinds alike."""
    entries = []
    for item in items:
        if item["sk"] == "LEAD" or not _live(item, now_epoch):
            continue
        entries.append(
            {
                "at": _when(item),
                "kind": kind(item["sk"]),
                "item": {k: v for k, v in item.items() if k not in hidden and k not in _KEYS},
            }
        )
    return sorted(entries, key=lambda e: (e["at"], e["kind"]))


class Erasure:
    """Erase a lead: the suppression entry first (so a crash half-way can
    never leave an address that may be mailed again), then every item of the
    partition and the token lookups that name the lead. Repeats until the
    partition is empty, so a write racing the erasure is erased too."""

    _ROUNDS = 5

    def __init__(self, leads, store, suppression, clock, releases=()):
        self._leads = leads
        self._store = store
        self._suppression = suppression
        self._clock = clock
        # callables(lead_id) -> count that undo what other partitions hold
        # for the lead before its items go (e.g. a rep's open-assignment load)
        self._releases = tuple(releases)

    def erase(self, lead_id: str) -> dict[str, Any]:
        """Raises UnknownLead. Returns counts of what was deleted, by kind."""
        lead = self._leads.get(lead_id)
        if lead is None:
            raise UnknownLead(lead_id)
        at = iso(self._clock.now())
        self._suppression.suppress(lead.email, "erasure", at, None)
        released = {release.__name__: release(lead_id) for release in self._releases}
        deleted: dict[str, int] = {}
        for _ in range(self._ROUNDS):
            items = self._store.partition(lead_id)
            if not items:
                break
            tokens = {i.get(name) for i in items for name in ("token_hash", "opt_in_token_hash")} - {None}
            for item in items:
                deleted[kind(item["sk"])] = deleted.get(kind(item["sk"]), 0) + 1
            deleted["opt_in_tokens"] = deleted.get("opt_in_tokens", 0) + self._store.delete(items, tokens)
        else:
            raise RuntimeError("the lead's partition kept growing during erasure")
        return {
            "lead_id": lead_id,
            "erased_at": at,
            "deleted": deleted,
            "released": released,
            "suppression": "kept (keyed hash, reason erasure)",
        }
