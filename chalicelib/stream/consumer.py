"""The stream consumer's loop: records in shard order, each offered to every
reaction that wants it. On the first failure it stops and reports that record
(Lambda retries the shard from there; later records would be redelivered
anyway, so handling them now would only do work twice). Reactions are
idempotent, so a retried batch changes nothing that was already done.

A record that does not decode is different: no retry can fix it, so it is
reported as its own failure (Lambda's retries then end in the stream's
failure queue, where an operator finds its sequence number) and the records
of other leads after it are handled now rather than parked behind it.
Records of another shape (foreign keys, KEYS_ONLY) are skipped, and items
of no lead reach only the reactions that ask for them (`any_item`); logs name sequence numbers and reasons, never attribute values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .changes import Change, NotOurs, UndecodableRecord, change_from_record, sequence_number

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaction:
    name: str
    wants: Callable[[Change], bool]
    handle: Callable[[Change], Any]
    # also offered changes of items that belong to no lead
    any_item: bool = False


def process_batch(records: Iterable[Mapping[str, Any]], reactions: Iterable[Reaction]) -> dict:
    reactions = list(reactions)
    failures: list[str] = []
    for record in records:
        try:
            change = change_from_record(record)
        except NotOurs as reason:
            log.warning("stream record %s skipped: %s", sequence_number(record), reason)
            continue
        except UndecodableRecord as reason:
            number = sequence_number(record)
            log.error("stream record %s cannot be decoded (%s); reported, later records go on", number, reason)
            failures += [number] if number else []
            continue
        wanting = reactions if change.lead_id else [r for r in reactions if r.any_item]
        if not _react(change, wanting):
            failures.append(change.sequence_number)
            break
    return {"batchItemFailures": [{"itemIdentifier": number} for number in failures]}


def _react(change: Change, reactions: list[Reaction]) -> bool:
    try:
        for reaction in reactions:
            if reaction.wants(change):
                outcome = reaction.handle(change)
                log.info("stream %s %s: %s", reaction.name, change.sequence_number, outcome)
    except Exception:
        log.exception("stream record %s failed; reporting it for retry", change.sequence_number)
        return False
    return True
