"""Reads and deletes for GDPR export and erasure (no scan: one Query on
the lead's partition, batched deletes by key)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .leads import partition_raw
from .models import LEAD_SK, TOKEN_PREFIX, TOKEN_SK
from .raw import client, plain_item, table_name

_BATCH = 25  # BatchWriteItem's limit


class ErasureStore:
    @staticmethod
    def partition(lead_id: str) -> list[dict[str, Any]]:
        return [plain_item(raw) for raw in partition_raw(lead_id)]

    @staticmethod
    def delete(items: Iterable[dict[str, Any]], token_hashes: Iterable[str]) -> int:
        """Delete the items and the token lookups; returns how many token
        lookups existed (deleting a missing key is a no-op)."""
        # the lead item goes last: an erasure cut short is found and repeated
        keys = [_key(i["pk"], i["sk"]) for i in sorted(items, key=lambda i: i["sk"] == LEAD_SK)]
        found = 0
        for token_hash in sorted(token_hashes):
            answer = client().delete_item(
                TableName=table_name(), Key=_key(TOKEN_PREFIX + token_hash, TOKEN_SK), ReturnValues="ALL_OLD"
            )
            found += "Attributes" in answer
        for start in range(0, len(keys), _BATCH):
            requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]]
            for attempt in range(1, 9):
                requests = (
                    client()
                    .batch_write_item(RequestItems={table_name(): requests})
                    .get("UnprocessedItems", {})
                    .get(table_name(), [])
                )
                if not requests:
                    break
                time.sleep(0.05 * 2**attempt)  # throttled: back off before the rest
            else:
                raise RuntimeError("deletes stayed unprocessed")
        return found


def _key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}
