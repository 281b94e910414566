"""DynamoDB stream records (Lambda's shape) as plain changes."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer

_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class Change:
    event: str  # INSERT | MODIFY | REMOVE
    pk: str
    sk: str
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
    sequence_number: str

    def changed(self, *names: str) -> bool:
        """Whether any of these attributes differ between old and new image
        (consumers use it to ignore writes that are not theirs to act on)."""
        old, new = self.old or {}, self.new or {}
        return any(old.get(n) != new.get(n) for n in names)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return bytes(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


def _image(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    # Lambda delivers binary attributes base64-encoded
    decoded = {
        k: ({"B": base64.b64decode(v["B"])} if "B" in v and isinstance(v["B"], str) else v) for k, v in raw.items()
    }
    return {k: _plain(_deserializer.deserialize(v)) for k, v in decoded.items()}


def change_from_record(record: Mapping[str, Any]) -> Change:
    body = record["dynamodb"]
    keys = body["Keys"]
    return Change(
        event=record["eventName"],
        pk=keys["pk"]["S"],
        sk=keys["sk"]["S"],
        old=_image(body.get("OldImage")),
        new=_image(body.get("NewImage")),
        sequence_number=body["SequenceNumber"],
    )
