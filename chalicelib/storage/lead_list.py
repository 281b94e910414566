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
    leads = [
        {
            **{name: plain(getattr(item, name)) for name in LIST_ATTRIBUTES},
            "stage": item.stage,
            "score": item.score,
            **({"prediction": plain(item.prediction)} if by == "probability" else {}),
        }
        for item in result
    ]
    return leads, result.last_evaluated_key
