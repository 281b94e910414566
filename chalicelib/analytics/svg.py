"""The funnel as a picture: one centred bar per stage, its width the number
of leads that entered the stage, with the conversion to the next stage
between bars, and optionally a revenue line per currency under them.
Hand-made SVG, so the Lambda needs no plotting library. The geometry
(`funnel_bars`) is shared with the console, which words it per locale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, BAR_HEIGHT, GAP, TOP, MIN_BAR = 640, 44, 22, 56, 4
COLOURS = ("#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa", "#93c5fd", "#bfdbfe")
# text on the two darkest bars is white, on the lighter ones near-black (4.5:1 either way)
LIGHT_TEXT_BARS = 2


def funnel_height(stage_count: int) -> int:
    return TOP + stage_count * (BAR_HEIGHT + GAP) + 8


def funnel_bars(stages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each stage's bar (x, y, width, height, colour, text colour), its
    conversion to the next stage and the drop-off (the share that did not go
    on; None for the last stage or a stage nobody entered)."""
    widest = max((s["entered"] for s in stages), default=0) or 1
    bars = []
    for index, stage in enumerate(stages):
        width = max(MIN_BAR, round((WIDTH - 40) * stage["entered"] / widest))
        rate = stage["conversion_to_next"] if index + 1 < len(stages) else None
        bars.append(
            {
                "stage": stage["stage"],
                "entered": stage["entered"],
                "x": (WIDTH - width) // 2,
                "y": TOP + index * (BAR_HEIGHT + GAP),
                "width": width,
                "height": BAR_HEIGHT,
                "colour": COLOURS[index % len(COLOURS)],
                "text_colour": "#fff" if index < LIGHT_TEXT_BARS else "#0f172a",
                "conversion": rate,
                "drop_off": None if rate is None else round(max(0.0, 1 - rate), 4),
                "next_stage": stages[index + 1]["stage"] if index + 1 < len(stages) else None,
            }
        )
    return bars


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
    bottom = TOP + len(stages) * (BAR_HEIGHT + GAP)
    height = funnel_height(len(stages)) + len(revenue) * LINE
    filters = ", ".join(f"{k}={v}" for k, v in report["filters"].items())
    title = f"Funnel {report['from']} to {report['to']}" + (f" ({filters})" if filters else "")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{WIDTH // 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">{escape(title)}</text>',
    ]
    for bar in funnel_bars(stages):
        y = bar["y"]
        parts.append(
            f'<rect x="{bar["x"]}" y="{y}" width="{bar["width"]}" height="{BAR_HEIGHT}" rx="4" fill="{bar["colour"]}"/>'
        )
        label = f"{bar['stage']}: {bar['entered']}"
        parts.append(
            f'<text x="{WIDTH // 2}" y="{y + BAR_HEIGHT // 2 + 5}" text-anchor="middle" font-size="15" '
            f'fill="{bar["text_colour"]}">{escape(label)}</text>'
        )
        if bar["conversion"] is not None:
            parts.append(
                f'<text x="{WIDTH // 2}" y="{y + BAR_HEIGHT + GAP - 6}" text-anchor="middle" '
                f'font-size="12" fill="#475569">{bar["conversion"] * 100:.1f} % to {escape(bar["next_stage"])}</text>'
            )
    for index, row in enumerate(revenue):
        parts.append(
            f'<text x="{WIDTH // 2}" y="{bottom + index * LINE + 14}" text-anchor="middle" font-size="14" '
            f'fill="#166534">{escape(revenue_line(row))}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
