"""The prediction model's counters and each lead's counted outcome on the
single table.

| item               | pk                 | sk                 |
| ------------------ | ------------------ | ------------------ |
| counter            | PREDICT#COUNTS     | <fact>#<value>     |
| prior (and a seq)  | PREDICT#COUNTS     | #TOTAL             |
| counted outcome    | LEAD#<lead_id>     | PREDICT#OUTCOME    |
| refresh state      | PREDICT#STATE      | REFRESH            |
| calibration day    | PREDICT#CALIBRATION | DAY#<YYYY-MM-DD>  |

Counters name no lead. Counting is one transaction: the lead's outcome
record (conditional on the record it replaces, and on the lead still
existing) and ADDs to the counters; so a redelivered stream record counts
nothing twice, and a lead erased before its record arrives adds nothing.
`seq` on the prior item counts the transactions: a cache or a rebuild knows
from it whether the counters moved."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from ..prediction.model import Counts, Deltas
from .errors import VersionConflict
from .leads import partition_raw
from .models import LEAD_PREFIX, LEAD_SK, PREDICTION_OUTCOME_SK, LeadItem, PredictionOutcomeItem, lead_pk
from .raw import cancelled_by_condition, client, plain_item, query_pages, table_name

COUNTS_PK = "PREDICT#COUNTS"
TOTAL_SK = "#TOTAL"
STATE_PK, STATE_SK = "PREDICT#STATE", "REFRESH"
CALIBRATION_PK, DAY_PREFIX = "PREDICT#CALIBRATION", "DAY#"
OUTCOME_SHARDS = 4
_SHARD_PREFIX = "OUTCOME#"
_serializer = TypeSerializer()


def _dynamo(value: Any) -> dict:
    if isinstance(value, float):
        value = Decimal(str(value))
    elif isinstance(value, Mapping):
        return {"M": {k: _dynamo(v) for k, v in value.items()}}
    elif isinstance(value, list):
        return {"L": [_dynamo(v) for v in value]}
    return _serializer.serialize(value)


def _key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def outcome_shard(lead_id: str) -> str:
    number = int(hashlib.sha256(lead_id.encode()).hexdigest()[:8], 16) % OUTCOME_SHARDS
    return f"{_SHARD_PREFIX}{number}"


def _add(pk: str, sk: str, won: int, lost: int, extra: Mapping[str, str] | None = None, seq: bool = False) -> dict:
    names = {"#w": "won", "#l": "lost"}
    values = {":w": {"N": str(won)}, ":l": {"N": str(lost)}}
    adds = ["#w :w", "#l :l"]
    if seq:
        names["#q"], values[":q"] = "seq", {"N": "1"}
        adds.append("#q :q")
    expression = "ADD " + ", ".join(adds)
    if extra:
        sets = []
        for n, (name, value) in enumerate(extra.items()):
            names[f"#e{n}"], values[f":e{n}"] = name, {"S": value}
            sets.append(f"#e{n} = :e{n}")
        expression += " SET " + ", ".join(sets)
    return {
        "Update": {
            "TableName": table_name(),
            "Key": _key(pk, sk),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _transact(items: list[dict]) -> bool:
    """False when a condition cancelled the transaction (nothing written)."""
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException" and any(cancelled_by_condition(error)):
            return False
        raise
    return True


def counter_sk(fact: str, value: str) -> str:
    return f"{fact}#{value}"


class PredictionStore:
    # --- the model -------------------------------------------------------
    @staticmethod
    def seq() -> int:
        item = client().get_item(TableName=table_name(), Key=_key(COUNTS_PK, TOTAL_SK), ConsistentRead=True)
        return int(plain_item(item["Item"]).get("seq", 0)) if "Item" in item else 0

    @staticmethod
    def model() -> tuple[Counts, int]:
        """The counters and their seq: one Query of the counters' partition."""
        won = lost = seq = 0
        values = {}
        for page in query_pages(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": COUNTS_PK}}, ConsistentRead=True
        ):
            for raw in page.get("Items", []):
                item = plain_item(raw)
                if item["sk"] == TOTAL_SK:
                    won, lost, seq = item.get("won", 0), item.get("lost", 0), item.get("seq", 0)
                elif item.get("won", 0) or item.get("lost", 0):
                    values[(item["fact"], item["value"])] = (item.get("won", 0), item.get("lost", 0))
        return Counts(won=won, lost=lost, values=values), seq

    # --- one lead --------------------------------------------------------
    @staticmethod
    def partition(lead_id: str) -> list[dict[str, Any]]:
        return [plain_item(raw) for raw in partition_raw(lead_id)]

    @staticmethod
    def counted_outcome(lead_id: str) -> dict[str, Any] | None:
        item = client().get_item(
            TableName=table_name(), Key=_key(lead_pk(lead_id), PREDICTION_OUTCOME_SK), ConsistentRead=True
        )
        return plain_item(item["Item"]) if "Item" in item else None

    def count(
        self,
        lead_id: str,
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any] | None,
        change: Deltas,
        calibration: Mapping[str, Mapping[str, int]] | None = None,
    ) -> bool:
        """Replace the lead's counted outcome `old` with `new` (None: none,
        as on erasure) and apply `change` to the counters, in one
        transaction. False: the record is not `old` any more, or the lead is
        gone (nothing written)."""
        pk = lead_pk(lead_id)
        if old is None:
            guard = {"ConditionExpression": "attribute_not_exists(sk)"}
        else:
            guard = {
                "ConditionExpression": "#a = :a AND #o = :o AND #t = :t",
                "ExpressionAttributeNames": {"#a": "assignment", "#o": "outcome", "#t": "outcome_at"},
                "ExpressionAttributeValues": {
                    ":a": {"S": old["assignment"]},
                    ":o": {"S": old["outcome"]},
                    ":t": {"S": old["outcome_at"]},
                },
            }
        if new is not None:
            record = {
                **new,
                "pk": pk,
                "sk": PREDICTION_OUTCOME_SK,
                "lead_id": lead_id,
                "outcome_shard": outcome_shard(lead_id),
            }
            items = [
                {
                    "ConditionCheck": {
                        "TableName": table_name(),
                        "Key": _key(pk, LEAD_SK),
                        "ConditionExpression": "attribute_exists(sk)",
                    }
                },
                {"Put": {"TableName": table_name(), "Item": {k: _dynamo(v) for k, v in record.items()}, **guard}},
            ]
        else:
            items = [{"Delete": {"TableName": table_name(), "Key": _key(pk, PREDICTION_OUTCOME_SK), **guard}}]
        items.append(_add(COUNTS_PK, TOTAL_SK, *change.prior, seq=True))
        for (fact, value), (won, lost) in sorted(change.values.items()):
            items.append(_add(COUNTS_PK, counter_sk(fact, value), won, lost, {"fact": fact, "value": value}))
        for day, added in sorted((calibration or {}).items()):
            names = {f"#c{n}": name for n, name in enumerate(added)}
            items.append(
                {
                    "Update": {
                        "TableName": table_name(),
                        "Key": _key(CALIBRATION_PK, DAY_PREFIX + day),
                        "UpdateExpression": "ADD " + ", ".join(f"{alias} :c{n}" for n, alias in enumerate(names)),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": {f":c{n}": {"N": str(v)} for n, v in enumerate(added.values())},
                    }
                }
            )
        return _transact(items)

    @staticmethod
    def calibration_days(first: str, last: str) -> list[dict[str, int]]:
        """The calibration day counters from `first` to `last`: one Query."""
        days = []
        for page in query_pages(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": {"S": CALIBRATION_PK},
                ":first": {"S": DAY_PREFIX + first},
                ":last": {"S": DAY_PREFIX + last},
            },
        ):
            days += [{k: v for k, v in plain_item(raw).items() if k not in ("pk", "sk")} for raw in page["Items"]]
        return days

    @staticmethod
    def write_prediction(lead_id: str, version: int, prediction: Mapping[str, Any]) -> None:
        """The lead's prediction (and its probability as the list's sort key,
        removed when there is no number). Raises VersionConflict."""
        names = {"#p": "prediction", "#n": "prediction_probability", "#v": "version"}
        values = {":p": _dynamo(dict(prediction)), ":one": {"N": "1"}, ":read": {"N": str(version)}}
        if "probability" in prediction:
            values[":n"] = _dynamo(prediction["probability"])
            expression = "SET #p = :p, #n = :n ADD #v :one"
        else:
            expression = "SET #p = :p REMOVE #n ADD #v :one"
        try:
            client().update_item(
                TableName=table_name(),
                Key=_key(lead_pk(lead_id), LEAD_SK),
                UpdateExpression=expression,
                ConditionExpression="#v = :read",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise VersionConflict() from None
            raise

    # --- the weekly rebuild ----------------------------------------------
    @staticmethod
    def outcomes() -> Iterator[tuple[str, Mapping[str, str]]]:
        """(label, facts) of every counted outcome, from the sparse index."""
        for shard in range(OUTCOME_SHARDS):
            for item in PredictionOutcomeItem.outcome_index.query(f"{_SHARD_PREFIX}{shard}"):
                yield item.label, dict(item.facts.as_dict())

    @staticmethod
    def correct(change: Deltas, seq: int) -> bool:
        """Apply the rebuild's corrections unless an outcome was counted
        since `seq` was read (False: nothing more written). Past 99 changes
        they go in several transactions, each checking seq; one cut short
        leaves a part that the next rebuild finds and corrects."""
        updates = [
            _add(COUNTS_PK, counter_sk(fact, value), won, lost, {"fact": fact, "value": value})
            for (fact, value), (won, lost) in sorted(change.values.items())
        ]
        chunks = [updates[start : start + 99] for start in range(0, len(updates), 99)] or [[]]
        for n, chunk in enumerate(chunks):
            if n == 0 and change.prior != (0, 0):
                # one operation per item: the prior's own update carries the
                # check (it adds no seq, so later chunks still check the same)
                body = _add(COUNTS_PK, TOTAL_SK, *change.prior)["Update"]
                body["ConditionExpression"] = "attribute_not_exists(#q) OR #q = :seq"
                body["ExpressionAttributeNames"]["#q"] = "seq"
                body["ExpressionAttributeValues"][":seq"] = {"N": str(seq)}
                guard = {"Update": body}
            else:
                guard = {
                    "ConditionCheck": {
                        "TableName": table_name(),
                        "Key": _key(COUNTS_PK, TOTAL_SK),
                        "ConditionExpression": "attribute_not_exists(seq) OR seq = :seq",
                        "ExpressionAttributeValues": {":seq": {"N": str(seq)}},
                    }
                }
            if not _transact([guard, *chunk]):
                return False
        return True

    # --- the refresh after the model moved -------------------------------
    @staticmethod
    def refresh_state() -> dict[str, Any]:
        item = client().get_item(TableName=table_name(), Key=_key(STATE_PK, STATE_SK), ConsistentRead=True)
        return plain_item(item["Item"]) if "Item" in item else {}

    @staticmethod
    def save_refresh_state(state: Mapping[str, Any]) -> None:
        item = {"pk": STATE_PK, "sk": STATE_SK, **state}
        client().put_item(TableName=table_name(), Item={k: _dynamo(v) for k, v in item.items() if v is not None})


def lead_ids_in_stage(stage: str, limit: int, start: dict | None) -> tuple[list[str], dict | None]:
    """One page of a stage's scored lead ids from the lead list's index
    (the refresh's walk; its cost grows with the open leads, and it runs only
    when the counters moved)."""
    result = LeadItem.stage_index.query(
        stage, limit=limit, page_size=limit, last_evaluated_key=start, attributes_to_get=["pk"]
    )
    ids = [item.pk[len(LEAD_PREFIX) :] for item in result]
    return ids, result.last_evaluated_key
