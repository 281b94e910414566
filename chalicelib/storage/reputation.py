"""The sending reputation's items on the single table (none names a lead):

| item              | pk                           | sk                     |
| ----------------- | ---------------------------- | ---------------------- |
| day counters      | REPUTATION                   | DAY#<YYYY-MM-DD>       |
| feedback counted  | REPUTATION#SEEN#<keyed hash> | SEEN (TTL)             |
| guard state       | SENDER#nurture               | REPUTATION             |
| pause / resume    | REPUTATION#EVENTS            | <at>#<scope>#<action>  |

One day item holds every counter of the day as `<scope>|<metric>` (a few
dozen numbers), so the guard's window and the report are one Query. A
feedback is counted in one transaction with its marker, so a redelivered SES
event counts nothing twice. The guard's attributes are named per scope
(`paused#all`, `paused#sequence:welcome`, ...): a nurture claim checks its two
in the claim's own transaction (storage/nurture.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from .models import SENDER_PREFIX
from .raw import client, plain_item, query_pages, table_name, transact_unless_first_fails

REPUTATION_PK = "REPUTATION"
DAY_PREFIX = "DAY#"
SEEN_PREFIX = "REPUTATION#SEEN#"
EVENTS_PK = "REPUTATION#EVENTS"
GUARD_PK = SENDER_PREFIX + "nurture"
GUARD_SK = "REPUTATION"


def paused_attribute(scope: str) -> str:
    return f"paused#{scope}"


def _s(value: str) -> dict:
    return {"S": value}


def _m(value: dict[str, Any]) -> dict:
    """Plain data (str, int, float, dict) as a DynamoDB map."""

    def typed(v: Any) -> dict:
        if isinstance(v, bool):
            return {"BOOL": v}
        if isinstance(v, (int, float)):
            return {"N": str(Decimal(repr(v)))}
        if isinstance(v, dict):
            return _m(v)
        if v is None:
            return {"NULL": True}
        return _s(str(v))

    return {"M": {k: typed(v) for k, v in value.items()}}


def _adds(day: str, attributes: Iterable[str]) -> dict:
    names = {f"#a{n}": name for n, name in enumerate(attributes)}
    return {
        "TableName": table_name(),
        "Key": {"pk": _s(REPUTATION_PK), "sk": _s(DAY_PREFIX + day)},
        "UpdateExpression": "SET #day = :day ADD " + ", ".join(f"{alias} :one" for alias in names),
        "ExpressionAttributeNames": {**names, "#day": "day"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":day": _s(day)},
    }


def _between(pk: str, first: str, last: str) -> list[dict[str, Any]]:
    """The partition's items with sk in [first, last], in order (consistent)."""
    return [
        plain_item(raw)
        for page in query_pages(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={":pk": _s(pk), ":first": _s(first), ":last": _s(last)},
            ConsistentRead=True,
        )
        for raw in page.get("Items", [])
    ]


def _guard_key() -> dict:
    return {"pk": _s(GUARD_PK), "sk": _s(GUARD_SK)}


def _event_put(event: dict[str, Any]) -> dict:
    sk = f"{event['at']}#{event['scope']}#{event['action']}"
    return {"Put": {"TableName": table_name(), "Item": {"pk": _s(EVENTS_PK), "sk": _s(sk), **_m(event)["M"]}}}


class ReputationStore:
    # --- counting ---------------------------------------------------------
    @staticmethod
    def add_send(day: str, attributes: list[str]) -> None:
        client().update_item(**_adds(day, attributes))

    @staticmethod
    def add_feedback(marker: str, expires_at: int, day: str, attributes: list[str]) -> bool:
        """Count once per marker; False if it was counted before."""
        seen = {
            "TableName": table_name(),
            "Item": {"pk": _s(SEEN_PREFIX + marker), "sk": _s("SEEN"), "expires_at": {"N": str(expires_at)}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return transact_unless_first_fails([{"Put": seen}, {"Update": _adds(day, attributes)}])

    @staticmethod
    def days(first: date, last: date) -> list[dict[str, Any]]:
        """The day items in [first, last], oldest first: one Query."""
        return _between(REPUTATION_PK, DAY_PREFIX + first.isoformat(), DAY_PREFIX + last.isoformat())

    # --- the guard --------------------------------------------------------
    @staticmethod
    def guard_state() -> dict[str, Any]:
        """{"paused": {scope: pause}, "since": {scope: resume}, "calm": {scope: at}}."""
        raw = client().get_item(TableName=table_name(), Key=_guard_key(), ConsistentRead=True).get("Item")
        state: dict[str, dict] = {"paused": {}, "since": {}, "calm": {}}
        for name, value in (plain_item(raw) if raw else {}).items():
            part, _, scope = name.partition("#")
            if part in state and scope:
                state[part][scope] = value
        return state

    def _change_guard(self, update: dict, event: dict[str, Any]) -> bool:
        """The guard's update and its event item, together; False if the
        update's condition failed (another run did it first)."""
        guard = {"Update": {"TableName": table_name(), "Key": _guard_key(), **update}}
        return transact_unless_first_fails([guard, _event_put(event)])

    def pause(self, scope: str, pause: dict[str, Any], event: dict[str, Any]) -> bool:
        return self._change_guard(
            {
                "UpdateExpression": "SET #p = :p REMOVE #c",
                "ConditionExpression": "attribute_not_exists(#p)",
                "ExpressionAttributeNames": {"#p": paused_attribute(scope), "#c": f"calm#{scope}"},
                "ExpressionAttributeValues": {":p": _m(pause)},
            },
            event,
        )

    def resume(self, scope: str, paused_at: str, since: dict[str, Any] | None, event: dict[str, Any]) -> bool:
        """Lift the pause that started at `paused_at`; with `since`, judge
        only from then on."""
        names = {"#p": paused_attribute(scope), "#c": f"calm#{scope}", "#at": "at"}
        update: dict[str, Any] = {
            "UpdateExpression": "REMOVE #p, #c",
            "ConditionExpression": "#p.#at = :at",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":at": _s(paused_at)},
        }
        if since is not None:
            update["UpdateExpression"] = "SET #s = :s REMOVE #p, #c"
            names["#s"] = f"since#{scope}"
            update["ExpressionAttributeValues"][":s"] = _m(since)
        return self._change_guard(update, event)

    @staticmethod
    def set_calm(scope: str, at: str | None) -> None:
        """Below half the thresholds since `at` (None: no longer)."""
        names = {"#c": f"calm#{scope}"}
        if at is None:
            client().update_item(
                TableName=table_name(), Key=_guard_key(), UpdateExpression="REMOVE #c", ExpressionAttributeNames=names
            )
            return
        client().update_item(
            TableName=table_name(),
            Key=_guard_key(),
            UpdateExpression="SET #c = if_not_exists(#c, :at)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":at": _s(at)},
        )

    @staticmethod
    def events(first: str, last: str) -> list[dict[str, Any]]:
        """Pauses and resumes with `at` in [first, last] (iso), oldest first."""
        return _between(EVENTS_PK, first, last + "~")

    @staticmethod
    def event(sk: str) -> dict[str, Any] | None:
        raw = (
            client()
            .get_item(TableName=table_name(), Key={"pk": _s(EVENTS_PK), "sk": _s(sk)}, ConsistentRead=True)
            .get("Item")
        )
        return plain_item(raw) if raw else None

    @staticmethod
    def mark_announced(sk: str, at: str) -> bool:
        """Note that the manager was mailed; False if noted before."""
        try:
            client().update_item(
                TableName=table_name(),
                Key={"pk": _s(EVENTS_PK), "sk": _s(sk)},
                UpdateExpression="SET announced_at = :at",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(announced_at)",
                ExpressionAttributeValues={":at": _s(at)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
