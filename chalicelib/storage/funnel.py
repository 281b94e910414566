"""Funnel counters and campaign spend on the single table.

| item            | pk                          | sk                         |
| --------------- | --------------------------- | -------------------------- |
| funnel counter  | FUNNEL#<filters or *>       | DAY#<YYYY-MM-DD>           |
| campaign spend  | SPEND                       | <campaign>#<from>#<to>     |

Neither names a lead. A transition is counted in one transaction with a
conditional mark on the item it came from (in the lead's partition), so a
redelivered stream record counts nothing twice, and a lead erased before its
record arrives counts nothing and gets nothing written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from ..clock import iso
from .models import LEAD_SK, STAGE_PREFIX, LeadItem, StageChangeItem, lead_pk
from .raw import cancelled_by_condition, client, plain_item, query_pages, table_name

FUNNEL_PREFIX = "FUNNEL#"
DAY_PREFIX = "DAY#"
SPEND_PK = "SPEND"


def _s(value: str) -> dict:
    return {"S": value}


class FunnelStore:
    def __init__(self, clock):
        self._clock = clock

    # --- counting (stream reaction) --------------------------------------
    @staticmethod
    def lead_facts(lead_id: str) -> LeadItem | None:
        try:
            return LeadItem.get(
                lead_pk(lead_id),
                LEAD_SK,
                consistent_read=True,
                attributes_to_get=["lead_id", "attribution", "form_id", "created_at"],
            )
        except LeadItem.DoesNotExist:
            return None

    @staticmethod
    def stage_history(lead_id: str) -> list[tuple[str, str]]:
        """(at, to_stage) of the lead's stage changes, oldest first."""
        return [
            (i.at, i.to_stage)
            for i in StageChangeItem.query(
                lead_pk(lead_id),
                StageChangeItem.sk.startswith(STAGE_PREFIX),
                consistent_read=True,
                attributes_to_get=["at", "to_stage"],
            )
        ]

    def count(
        self,
        pk: str,
        sk: str,
        marker: str,
        guard: Mapping[str, str],
        day: str,
        increments: Mapping[str, Mapping[str, int]],
    ) -> bool:
        """ADD the increments to the day's counters and set `marker` on the
        source item, if the item still exists, matches `guard` (attribute ->
        value) and is not marked yet. False: counted before, or gone."""
        names = {"#m": marker}
        values = {":now": _s(iso(self._clock.now()))}
        condition = ["attribute_exists(sk)", "attribute_not_exists(#m)"]
        for n, (attribute, expected) in enumerate(guard.items()):
            names[f"#g{n}"] = attribute
            values[f":g{n}"] = _s(expected)
            condition.append(f"#g{n} = :g{n}")
        items = [
            {
                "Update": {
                    "TableName": table_name(),
                    "Key": {"pk": _s(pk), "sk": _s(sk)},
                    "UpdateExpression": "SET #m = :now",
                    "ConditionExpression": " AND ".join(condition),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        for key, added in increments.items():
            counter_names = {f"#a{n}": name for n, name in enumerate(added)}
            items.append(
                {
                    "Update": {
                        "TableName": table_name(),
                        "Key": {"pk": _s(FUNNEL_PREFIX + key), "sk": _s(DAY_PREFIX + day)},
                        "UpdateExpression": "ADD "
                        + ", ".join(f"{alias} :a{n}" for n, alias in enumerate(counter_names)),
                        "ExpressionAttributeNames": counter_names,
                        "ExpressionAttributeValues": {f":a{n}": {"N": str(v)} for n, v in enumerate(added.values())},
                    }
                }
            )
        try:
            client().transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException" and cancelled_by_condition(error)[
                :1
            ] == [True]:
                return False
            raise
        return True

    # --- reading (reports) -------------------------------------------------
    @staticmethod
    def counters(key: str, first: date, last: date) -> list[dict[str, Any]]:
        """The day counters of one filter combination in [first, last]: one
        (paginated) Query, at most one item per day."""
        items = []
        for page in query_pages(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": _s(FUNNEL_PREFIX + key),
                ":first": _s(DAY_PREFIX + first.isoformat()),
                ":last": _s(DAY_PREFIX + last.isoformat()),
            },
        ):
            items += [plain_item(raw) for raw in page.get("Items", [])]
        return items

    # --- campaign spend ------------------------------------------------------
    def put_spend(self, campaign: str, amount: str, currency: str, start: str, end: str) -> dict[str, Any]:
        """Set (replace) the spend of one campaign for one period."""
        entry = {
            "campaign": campaign,
            "amount": amount,
            "currency": currency,
            "from": start,
            "to": end,
            "updated_at": iso(self._clock.now()),
        }
        item = {
            "pk": _s(SPEND_PK),
            "sk": _s(f"{quote(campaign, safe='')}#{start}#{end}"),
            **{name: ({"N": value} if name == "amount" else _s(value)) for name, value in entry.items()},
        }
        client().put_item(TableName=table_name(), Item=item)
        return {**entry, "amount": float(amount)}

    @staticmethod
    def spends() -> list[dict[str, Any]]:
        """Every spend entry: one Query (a handful per campaign)."""
        return [
            plain_item(raw)
            for page in query_pages(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(SPEND_PK)})
            for raw in page.get("Items", [])
        ]
