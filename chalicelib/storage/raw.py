"""The low-level DynamoDB client behind the models, for the few writes
PynamoDB models cannot say: counters with attribute names chosen at run time
and deletes of items whose kind we do not know. It reuses the models'
connection (a new botocore client costs ~0.2 s on a cold start)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from ..stream.changes import _image
from .models import LeadItem


def client():
    return LeadItem._get_connection().connection.client


def table_name() -> str:
    return LeadItem.Meta.table_name


def plain_item(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw item (DynamoDB JSON) as plain Python: numbers as int/float,
    sets as sorted lists."""
    return _image(raw)


def query_pages(**kwargs) -> Iterator[dict[str, Any]]:
    """Every page of one Query on the table (raw items)."""
    start = None
    while True:
        page = client().query(TableName=table_name(), **kwargs, **({"ExclusiveStartKey": start} if start else {}))
        yield page
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def cancelled_by_condition(error: Exception) -> list[bool]:
    """For a cancelled transaction: which of its items failed their condition."""
    response = getattr(error, "response", {}) or {}
    return [(r or {}).get("Code") == "ConditionalCheckFailed" for r in response.get("CancellationReasons", [])]


def transact_unless_first_fails(items: list[dict[str, Any]]) -> bool:
    """TransactWriteItems; False (nothing written) if the first item's
    condition failed, the usual "done before" mark."""
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException" and cancelled_by_condition(error)[:1] == [
            True
        ]:
            return False
        raise
    return True
