"""The stream consumer's loop: records in shard order, each offered to every
reaction that wants it. On the first failure it stops and reports that record
(Lambda retries the shard from there; later records would be redelivered
anyway, so handling them now would only do work twice). Reactions are
idempotent, so a retried batch changes nothing that was already done."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .changes import Change, change_from_record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reaction:
    name: str
    wants: Callable[[Change], bool]
    handle: Callable[[Change], Any]


def process_batch(records: Iterable[Mapping[str, Any]], reactions: Iterable[Reaction]) -> dict:
    reactions = list(reactions)
    for record in records:
        change = change_from_record(record)
        try:
            for reaction in reactions:
                if reaction.wants(change):
                    outcome = reaction.handle(change)
                    log.info("stream %s %s: %s", reaction.name, change.sequence_number, outcome)
        except Exception:
            log.exception("stream record %s failed; reporting it for retry", change.sequence_number)
            return {"batchItemFailures": [{"itemIdentifier": change.sequence_number}]}
    return {"batchItemFailures": []}
