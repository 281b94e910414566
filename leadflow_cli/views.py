"""How the admin API's answers look in a terminal (rich tables). Every value
comes from a lead or an admin, so it is shown as text, never as markup."""

from __future__ import annotations

import os
import sys
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

RECENT = 10  # activities shown for one lead
WIDE = 160  # columns when the output goes to a file or pipe, where rich would assume 80


def console() -> Console:
    """Where the commands print: the terminal's width, or wide enough for a
    lead id and an address when the output is a file or a pipe."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return Console()
    return Console(width=WIDE)


def leads_table(leads: list[dict], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in (("lead", "left"), ("email", "left"), ("name", "left"), ("company", "left")):
        table.add_column(name, justify=justify)
    table.add_column("stage")
    table.add_column("score", justify="right")
    table.add_column("temperature")
    table.add_column("updated")
    for lead in leads:
        profile = lead.get("profile") or {}
        table.add_row(
            *map(
                Text,
                (
                    lead.get("lead_id", ""),
                    lead.get("email", ""),
                    _name(profile),
                    str(profile.get("company") or ""),
                    lead.get("stage", ""),
                    _number(lead.get("score")),
                    lead.get("temperature") or "",
                    _when(lead.get("updated_at")),
                ),
            )
        )
    return table


def lead_view(lead: dict) -> Group:
    scoring = lead.get("scoring") or {}
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for label, value in (
        ("lead", lead.get("lead_id")),
        ("email", lead.get("email")),
        ("status", lead.get("status")),
        ("stage", lead.get("stage")),
        (
            "score",
            f"{_number(scoring.get('score'))} (fit {_number(scoring.get('fit'))}, "
            f"engagement {_number(scoring.get('engagement'))}), {scoring.get('temperature') or 'unscored'}",
        ),
        ("created", _when(lead.get("created_at"))),
        ("confirmed", _when(lead.get("confirmed_at"))),
    ):
        head.add_row(label, Text(str(value or "")))
    for field, value in sorted((lead.get("profile") or {}).items()):
        head.add_row(field, Text(str(value)))
    parts: list[Any] = [head]
    if scoring.get("breakdown"):
        parts.append(
            _table(
                "Why this score",
                ("rule", "kind", "points"),
                ((c.get("rule"), c.get("kind"), _number(c.get("points"))) for c in scoring["breakdown"]),
            )
        )
    if lead.get("consents"):
        parts.append(
            _table(
                "Consent",
                ("given", "form", "text version", "from", "confirmed", "confirmed from"),
                (
                    (_when(c.get("given_at")), c.get("form_id"), c.get("consent_version"), c.get("ip") or c.get("source"),
                     _when(c.get("confirmed_at")), c.get("confirmed_ip"))
                    for c in lead["consents"]
                ),
            )
        )  # fmt: skip
    if lead.get("stage_changes"):
        parts.append(
            _table(
                "Stages",
                ("at", "from", "to"),
                ((_when(c.get("at")), c.get("from_stage"), c.get("to_stage")) for c in lead["stage_changes"]),
            )
        )
    if lead.get("assignments"):
        parts.append(
            _table(
                "Assignments",
                ("sql at", "rep", "status", "outcome"),
                (
                    (_when(a.get("sql_at")), a.get("rep_id"), a.get("status"), a.get("outcome"))
                    for a in lead["assignments"]
                ),
            )
        )
    activities = sorted(lead.get("activities") or [], key=lambda a: a.get("at") or "")[-RECENT:]
    if activities:
        parts.append(
            _table(
                f"Last {len(activities)} activities",
                ("at", "type", "source"),
                ((_when(a.get("at")), a.get("type"), a.get("source")) for a in reversed(activities)),
            )
        )
    return Group(*parts)


def reps_table(reps: list[dict]) -> Table:
    return _table(
        "Reps",
        ("rep", "name", "email", "pools", "capacity", "open", "left", "away"),
        (
            (
                r.get("rep_id"),
                r.get("name"),
                r.get("email"),
                ", ".join(r.get("pools") or []) or "(fallback)",
                _number(r.get("capacity")),
                _number(r.get("open_assignments")),
                _number(r.get("capacity_left")),
                "out of office" if r.get("out_of_office") else "",
            )
            for r in reps
        ),
    )


def funnel_table(report: dict) -> Table:
    filters = ", ".join(f"{k}={v}" for k, v in (report.get("filters") or {}).items() if v)
    title = f"Funnel {report.get('from')} to {report.get('to')}" + (f" ({filters})" if filters else "")
    table = _table(
        title,
        ("stage", "entered", "to next", "median time in stage"),
        (
            (
                s.get("stage"),
                _number(s.get("entered")),
                "" if s.get("conversion_to_next") is None else f"{s['conversion_to_next']:.0%}",
                duration(s.get("median_seconds_in_stage")),
            )
            for s in report.get("stages") or []
        ),
    )
    for column in table.columns[1:3]:
        column.justify = "right"
    if report.get("recycled"):
        table.caption = f"{report['recycled']:,} recycled by sales"
    return table


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _table(title: str, columns: tuple[str, ...], rows) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text("" if value is None else str(value)) for value in row))
    return table


def _name(profile: dict) -> str:
    return " ".join(str(profile[k]) for k in ("first_name", "last_name") if profile.get(k))


def _number(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def _when(at: str | None) -> str:
    """`2026-11-03T09:14:05.120Z` as `2026-11-03 09:14` (UTC)."""
    return f"{at[:10]} {at[11:16]}" if at and len(at) >= 16 else (at or "")
