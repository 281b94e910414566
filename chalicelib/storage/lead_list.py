"""The admin lead list: one page of a stage's scored leads from the
`stage_score_activity` index, best score first, or from the `stage_probability`
index, most likely to close first."""

from __future__ import annotations

from typing import Any

from ..analytics.funnel import ATTRIBUTION
from .leads import plain
from .models import LIST_ATTRIBUTES, PROBABILITY_LIST_ATTRIBUTES, LeadItem

ORDERS = ("score", "probability")
FILTERS = ("temperature", *ATTRIBUTION)  # source, campaign: the lead's utm_source, utm_campaign


def leads_in_stage(
    stage: str, limit: int, start_key: dict | None, by: str = "score"
) -> tuple[list[dict[str, Any]], dict | None]:
    """(leads, the key to continue from, or None on the last page)."""
    index = LeadItem.probability_index if by == "probability" else LeadItem.stage_index
    result = index.query(stage, scan_index_forward=False, limit=limit, last_evaluated_key=start_key, page_size=limit)
    with_prediction = by == "probability"
    shown = PROBABILITY_LIST_ATTRIBUTES if with_prediction else LIST_ATTRIBUTES
    rows = [
        {**list_row(item, shown), **({"prediction": plain(item.prediction)} if with_prediction else {})}
        for item in result
    ]
    return rows, result.last_evaluated_key


def list_row(item: LeadItem, shown: list[str] = LIST_ATTRIBUTES) -> dict[str, Any]:
    """A lead as the lists show it."""
    return {**{name: plain(getattr(item, name)) for name in shown}, "stage": item.stage, "score": item.score}


def leads_in_stage_filtered(
    stage: str, filters: dict[str, str], limit: int, start_key: dict | None
) -> tuple[list[dict[str, Any]], dict | None]:
    """Like leads_in_stage, filtered (`temperature`, `source`, `campaign`:
    the lead's utm_source / utm_campaign) within the one index page read, so
    a page may hold fewer than `limit` and the cost stays one page."""
    from .raw import client, plain_item, table_name

    conditions, names, values = [], {}, {":s": {"S": stage}}
    for n, (name, value) in enumerate(sorted(filters.items())):
        path = ["temperature"] if name == "temperature" else ["attribution", ATTRIBUTION[name]]
        names.update({f"#f{n}_{i}": part for i, part in enumerate(path)})
        conditions.append(".".join(f"#f{n}_{i}" for i in range(len(path))) + f" = :f{n}")
        values[f":f{n}"] = {"S": value}
    page = client().query(
        TableName=table_name(),
        IndexName=LeadItem.stage_index.Meta.index_name,
        KeyConditionExpression="stage = :s",
        FilterExpression=" AND ".join(conditions),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ScanIndexForward=False,
        Limit=limit,
        **({"ExclusiveStartKey": start_key} if start_key else {}),
    )
    leads = []
    for raw in page.get("Items", []):
        item = plain_item(raw)
        leads.append({**{name: item.get(name) for name in LIST_ATTRIBUTES}, "stage": stage, "score": item.get("score")})
    return leads, page.get("LastEvaluatedKey")
