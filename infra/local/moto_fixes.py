"""A fix to moto's DynamoDB emulation used by the local stack and the tests.

moto 5.2 snapshots whole tables with `copy.deepcopy` before every
TransactWriteItems so it can roll back, which makes each transaction cost
O(items stored): on a local stack with a few thousand items a form post would
take seconds, and any benchmark would measure moto rather than Leadflow.

The replacement keeps DynamoDB's semantics: every condition is evaluated
against the state before the transaction (moto's own evaluator), any failure
cancels the whole transaction with per-item reasons and changes nothing (no
stream records either); only then are the writes applied. Writes that fail
while applying (validation errors the conditions cannot foresee) restore the
touched items from a snapshot of those items alone (the stream then shows
the undo, unlike DynamoDB; such writes are bugs caught by the tests anyway).

moto also checks a condition and then writes without a lock, so two threads
(the local stack's server is threaded) can both pass the same condition.
DynamoDB's conditional writes and transactions are linearisable, so all
writing calls are serialised with one re-entrant lock.

Query on the table (not an index) walks every item of the table in moto
(`all_items()`); DynamoDB reads only the one partition. The fix runs moto's
own query on a view of the table whose `all_items()` is that partition, so
reports and lead reads on a large local table cost what they cost in AWS.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

_OPERATIONS = {"ConditionCheck", "Put", "Delete", "Update"}


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _check(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]):
    """Phase 1: unicity and conditions against the pre-transaction state."""
    seen: set[tuple[str, str]] = set()
    errors, planned = [], []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in _OPERATIONS:
            raise MockValidationException("Unsupported transaction operation")
        key = _key(backend, op_type, op)
        identity = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        planned.append((op_type, op, key))
        current = backend.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            old = None
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
        else:
            errors.append((None, None, None))
    return planned, errors


def _apply(backend: DynamoDBBackend, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if op_type == "Put":
        backend.put_item(
            op["TableName"], op["Item"], expression_attribute_names=names, expression_attribute_values=values
        )
    elif op_type == "Delete":
        backend.delete_item(op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values)
    elif op_type == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names,
            expression_attribute_values=values,
        )


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    planned, errors = _check(self, transact_items)
    if any(code for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    touched = [
        (op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key)))
        for op_type, op, key in planned
        if op_type != "ConditionCheck"
    ]
    try:
        for op_type, op, key in planned:
            _apply(self, op_type, op, key)
    except Exception as error:
        for table_name, key, before in touched:
            table = self.get_table(table_name)
            table.delete_item(*self.get_keys_value(table, key))
            if before is not None:
                table.put_item(before.to_json()["Attributes"])
        reasons = [(type(error).__name__, str(error), None)] * len(planned)
        raise TransactionCanceledException(reasons) from error


class _Partition:
    """A table as its query sees it: only one partition's items."""

    def __init__(self, table: Table, hash_key: Any) -> None:
        self._table = table
        self._hash_key = hash_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list:
        found = self._table.items.get(self._hash_key)
        if found is None:
            return []
        items = list(found.values()) if self._table.range_key_attr else [found]
        return sorted(items, key=lambda item: item.range_key) if self._table.range_key_attr else items


_table_query = Table.query
_query_signature = inspect.signature(_table_query)


def _query(self: Table, *args: Any, **kwargs: Any):
    call = _query_signature.bind(self, *args, **kwargs).arguments
    if call.get("index_name") is not None or call.get("hash_key") is None:
        return _table_query(self, *args, **kwargs)
    return _table_query(_Partition(self, call["hash_key"]), *args, **kwargs)


_applied = False
_WRITES = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with _WRITES:
            return method(*args, **kwargs)

    return locked


def apply() -> None:
    global _applied
    if not _applied:
        DynamoDBBackend.transact_write_items = transact_write_items
        for name in ("transact_write_items", "put_item", "update_item", "delete_item", "batch_write_item"):
            if hasattr(DynamoDBBackend, name):
                setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
        Table.query = _query
        _applied = True
