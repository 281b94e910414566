"""The prediction as a rep reads it: the percentage and the facts that
speak for the lead (the mail templates word them per language)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..safe_text import one_line
from .model import PREDICTED


def likely_to_close(prediction: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """{percent, because: [{fact, value}]} for a lead with a number, else None."""
    if not prediction or prediction.get("status") != PREDICTED:
        return None
    strongest = (prediction.get("factors") or {}).get("strongest") or []
    because = [{"fact": one_line(f["fact"]), "value": one_line(f["value"])} for f in strongest if f["weight"] > 0]
    return {"percent": round(float(prediction["probability"]) * 100), "because": because}
