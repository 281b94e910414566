"""DynamoDB stream records (Lambda's shape) as plain changes."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer

from ..storage.models import LEAD_PREFIX

_deserializer = TypeDeserializer()


_EVENTS = ("INSERT", "MODIFY", "REMOVE")
# the consumer compares old and new images to ignore its own writes
_VIEW = "NEW_AND_OLD_IMAGES"


class UndecodableRecord(ValueError):
    """A record not in the shape Lambda delivers: a retry cannot fix it."""


class NotOurs(ValueError):
    """A record to skip: another table's keys, or images this consumer cannot
    work with (KEYS_ONLY and the like)."""


@dataclass(frozen=True)
class Change:
    event: str  # INSERT | MODIFY | REMOVE
    lead_id: str | None  # None for items of no lead (tokens, counters, reps)
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
        if not value.is_finite():  # boto3 reads a malformed N as NaN
            raise ValueError("not a finite number")
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


def sequence_number(record: Any) -> str | None:
    """The record's sequence number if it has one (to report it by)."""
    body = record.get("dynamodb") if isinstance(record, Mapping) else None
    number = body.get("SequenceNumber") if isinstance(body, Mapping) else None
    return number if isinstance(number, str) and number else None


def _key(keys: Mapping[str, Any], name: str) -> str:
    value = keys.get(name)
    if not (isinstance(value, Mapping) and isinstance(value.get("S"), str)):
        raise NotOurs(f"keys are {sorted(keys)}, not pk and sk strings")
    return value["S"]


def change_from_record(record: Mapping[str, Any]) -> Change:
    """Raises UndecodableRecord or NotOurs; their messages hold no attribute
    values (no personal data), only names and types."""
    number = sequence_number(record)
    body = record.get("dynamodb") if isinstance(record, Mapping) else None
    if number is None or not isinstance(body, Mapping) or not isinstance(body.get("Keys"), Mapping):
        raise UndecodableRecord("no dynamodb.Keys or SequenceNumber")
    event = record.get("eventName")
    if event not in _EVENTS:
        raise UndecodableRecord(f"eventName is not one of {', '.join(_EVENTS)}")
    pk, sk = _key(body["Keys"], "pk"), _key(body["Keys"], "sk")
    view = body.get("StreamViewType", _VIEW)
    if view != _VIEW:
        raise NotOurs(f"stream view type {view}, not {_VIEW}")
    try:
        old, new = _image(body.get("OldImage")), _image(body.get("NewImage"))
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as error:
        raise UndecodableRecord(f"an image does not decode ({type(error).__name__})") from None
    return Change(
        event=event,
        lead_id=pk[len(LEAD_PREFIX) :] if pk.startswith(LEAD_PREFIX) else None,
        pk=pk,
        sk=sk,
        old=old,
        new=new,
        sequence_number=number,
    )
