"""The admin lead list: one page of a stage's scored leads from the
`stage_score` index, best score first, or from the `stage_probability`
index, most likely to close first."""

from __future__ import annotations

from typing import Any

from .leads import plain
from .models import LIST_ATTRIBUTES, LeadItem

ORDERS = ("score", "probability")


def leads_in_stage(
    stage: str, limit: int, start_key: dict | None, by: str = "score"
) -> tuple[list[dict[str, Any]], dict | None]:
    """(leads, the key to continue from, or None on the last page)."""
    index = LeadItem.probability_index if by == "probability" else LeadItem.stage_index
    result = index.query(stage, scan_index_forward=False, limit=limit, last_evaluated_key=start_key, page_size=limit)
    with_prediction = by == "probability"
    rows = [
        {**list_row(item), **({"prediction": plain(item.prediction)} if with_prediction else {})} for item in result
    ]
    return rows, result.last_evaluated_key


def list_row(item: LeadItem) -> dict[str, Any]:
    """A lead as the lists show it."""
    return {**{name: plain(getattr(item, name)) for name in LIST_ATTRIBUTES}, "stage": item.stage, "score": item.score}


def leads_in_stage_of_temperature(
    stage: str, temperature: str, limit: int, start_key: dict | None
) -> tuple[list[dict[str, Any]], dict | None]:
    """Like leads_in_stage, filtered by temperature within the one index page
    read (so a page may hold fewer than `limit`, and the cost stays one page)."""
    from .raw import client, plain_item, table_name

    page = client().query(
        TableName=table_name(),
        IndexName="stage_score",
        KeyConditionExpression="stage = :s",
        FilterExpression="temperature = :t",
        ExpressionAttributeValues={":s": {"S": stage}, ":t": {"S": temperature}},
        ScanIndexForward=False,
        Limit=limit,
        **({"ExclusiveStartKey": start_key} if start_key else {}),
    )
    leads = []
    for raw in page.get("Items", []):
        item = plain_item(raw)
        leads.append({**{name: item.get(name) for name in LIST_ATTRIBUTES}, "stage": stage, "score": item.get("score")})
    return leads, page.get("LastEvaluatedKey")
