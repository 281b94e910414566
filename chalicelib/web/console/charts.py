"""Geometry of the lead page's score explanation: one bar per rule of the
breakdown, in the order given (biggest first), widths proportional to the
points; points taken away (caps, decay) grow left of the zero line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, ROW, BAR, LABEL = 560, 26, 16, 200
KIND_COLOURS = {"fit": "#1d4ed8", "engagement": "#047857", "cap": "#b91c1c"}


def score_bars(breakdown: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """{"width", "height", "zero" (x of the zero line), "bars": [...]}."""
    negative = max((-c["points"] for c in breakdown if c["points"] < 0), default=0)
    positive = max((c["points"] for c in breakdown if c["points"] > 0), default=0)
    span = (negative + positive) or 1
    room = WIDTH - LABEL - 8
    zero = LABEL + round(room * negative / span)
    bars = []
    for index, contribution in enumerate(breakdown):
        points = contribution["points"]
        length = max(1, round(room * abs(points) / span)) if points else 0
        bars.append(
            {
                "rule": contribution["rule"],
                "kind": contribution["kind"],
                "points": points,
                "detail": contribution.get("detail", ""),
                "x": zero if points >= 0 else zero - length,
                "y": index * ROW + (ROW - BAR) // 2,
                "width": length,
                "height": BAR,
                "label_y": index * ROW + ROW // 2 + 5,
                "colour": KIND_COLOURS.get(contribution["kind"], "#334155"),
            }
        )
    return {"width": WIDTH, "height": max(ROW, len(bars) * ROW), "zero": zero, "label_width": LABEL, "bars": bars}
