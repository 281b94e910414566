"""Console sessions: one item per signed-in browser (`SESSION#<sha256 of
the session id>`), so signing out deletes it and the cookie is worthless
even before it expires. The item holds the admin token's hash, never the
token, and expires with DynamoDB TTL (the reader checks `expires_at` too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .raw import client, plain_item, table_name

SESSION_PREFIX = "SESSION#"
SESSION_SK = "SESSION"


def _key(session_hash: str) -> dict[str, Any]:
    return {"pk": {"S": SESSION_PREFIX + session_hash}, "sk": {"S": SESSION_SK}}


class SessionStore:
    @staticmethod
    def put(session_hash: str, token_hash: str, name: str, created_at: str, expires_at: int) -> None:
        client().put_item(
            TableName=table_name(),
            Item={
                **_key(session_hash),
                "token_hash": {"S": token_hash},
                "name": {"S": name},
                "created_at": {"S": created_at},
                "expires_at": {"N": str(expires_at)},
            },
        )

    @staticmethod
    def get(session_hash: str) -> Mapping[str, Any] | None:
        raw = client().get_item(TableName=table_name(), Key=_key(session_hash), ConsistentRead=True).get("Item")
        return plain_item(raw) if raw else None

    @staticmethod
    def delete(session_hash: str) -> None:
        client().delete_item(TableName=table_name(), Key=_key(session_hash))
