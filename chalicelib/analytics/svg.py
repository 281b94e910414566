"""The funnel as a picture: one centred bar per stage, its width the number
of leads that entered the stage, with the conversion to the next stage
between bars, and optionally a revenue line per currency under them. Hand-made SVG, so the Lambda needs no plotting library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, BAR_HEIGHT, GAP, TOP, MIN_BAR = 640, 44, 22, 56, 4
COLOURS = ("#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa", "#93c5fd", "#bfdbfe")


LINE = 22


def revenue_line(row: Mapping[str, Any]) -> str:
    """One currency's revenue row of the revenue report, in words."""
    text = f"Revenue {row['revenue']:,.2f} {row['currency']} from {row['customers']} customers"
    if row["average_lifetime_value"] is not None:
        text += f", lifetime value {row['average_lifetime_value']:,.2f}"
    if row["roi"] is not None:
        text += f", ROI {row['roi'] * 100:.0f} % on {row['spend']:,.2f} spend"
    return text


def funnel_svg(report: Mapping[str, Any], revenue: Sequence[Mapping[str, Any]] = ()) -> str:
    """`revenue`: the revenue report's money rows, one line each."""
    stages = report["stages"]
    widest = max((s["entered"] for s in stages), default=0) or 1
    bottom = TOP + len(stages) * (BAR_HEIGHT + GAP)
    height = bottom + len(revenue) * LINE + 8
    filters = ", ".join(f"{k}={v}" for k, v in report["filters"].items())
    title = f"Funnel {report['from']} to {report['to']}" + (f" ({filters})" if filters else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH // 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">{escape(title)}</text>',
    ]
    for index, stage in enumerate(stages):
        y = TOP + index * (BAR_HEIGHT + GAP)
        bar = max(MIN_BAR, round((WIDTH - 40) * stage["entered"] / widest))
        x = (WIDTH - bar) // 2
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" rx="4" fill="{colour}"/>')
        label = f"{stage['stage']}: {stage['entered']}"
        parts.append(
            f'<text x="{WIDTH // 2}" y="{y + BAR_HEIGHT // 2 + 5}" text-anchor="middle" font-size="15" '
            f'fill="{"#fff" if index < 3 else "#0f172a"}">{escape(label)}</text>'
        )
        rate = stage["conversion_to_next"]
        if rate is not None and index + 1 < len(stages):
            parts.append(
                f'<text x="{WIDTH // 2}" y="{y + BAR_HEIGHT + GAP - 6}" text-anchor="middle" '
                f'font-size="12" fill="#475569">{rate * 100:.1f} % to {escape(stages[index + 1]["stage"])}</text>'
            )
    for index, row in enumerate(revenue):
        parts.append(
            f'<text x="{WIDTH // 2}" y="{bottom + index * LINE + 14}" text-anchor="middle" font-size="14" '
            f'fill="#166534">{escape(revenue_line(row))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
