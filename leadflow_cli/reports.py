"""The revenue and deliverability reports in a terminal. Amounts in different
currencies are never added: each currency is a row of its own. Every value
is shown as text, never as markup (sources and campaigns come from URLs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Group
from rich.text import Text

from .views import _number, _table, _when, duration

TOP_REASONS = 3  # per channel and outcome
TOO_FEW = "too few sends"
REVENUE_COLUMNS = (
    "customers", "currency", "revenue", "avg lifetime value", "spend", "ROI", "CPL/CLV",
    "to customer (median)", "p90", "SQLs accepted",
)  # fmt: skip


def revenue_view(report: dict) -> Group:
    """Per source and per campaign (and all leads): money, timing, SQL
    acceptance, then the commonest reasons leads were lost or disqualified."""
    channels = [
        ("all leads", report.get("total") or {}),
        *((f"source {c.get('source')}", c) for c in report.get("by_source") or []),
        *((f"campaign {c.get('campaign')}", c) for c in report.get("by_campaign") or []),
    ]
    money = _table(
        f"Revenue {report.get('from')} to {report.get('to')}",
        ("channel", *REVENUE_COLUMNS),
        (row for name, channel in channels for row in _money_rows(name, channel)),
    )
    for column in money.columns[1:]:
        column.justify = "right"
    money.columns[0].no_wrap = True
    money.columns[2].justify = "left"
    reasons = _table(
        "Top reasons lost and disqualified",
        ("channel", "outcome", "reason", "leads", "share"),
        (row for name, channel in channels for row in _reason_rows(name, channel)),
    )
    return Group(money, reasons if reasons.row_count else Text("No lead was lost or disqualified with a reason."))


def _money_rows(name: str, channel: dict) -> Iterator[tuple]:
    """One row per currency; the channel's timing and acceptance (not per
    currency) only on its first row. Without a deal value: one row of counts."""
    timing = channel.get("lead_to_customer") or {}
    acceptance = channel.get("sql_acceptance") or {}
    shared = (
        duration(timing.get("median_seconds")),
        duration(timing.get("p90_seconds")),
        _acceptance(acceptance),
    )
    money = list(channel.get("money") or [])
    without_value = (channel.get("customers") or 0) - sum(row.get("customers") or 0 for row in money)
    if without_value > 0 or not money:  # won without a deal value: counted, in no currency
        money.append({"customers": without_value, "currency": "(no value)" if money else ""})
    for n, row in enumerate(money):
        yield (
            name if n == 0 else "",
            _number(row.get("customers")),
            row.get("currency") or "",
            _amount(row.get("revenue")),
            _amount(row.get("average_lifetime_value")),
            _amount(row.get("spend")),
            _percent(row.get("roi")),
            _percent(row.get("cpl_to_clv"), 1),
            *(shared if n == 0 else ("", "", "")),
        )


def _reason_rows(name: str, channel: dict) -> Iterator[tuple]:
    for outcome, reasons in sorted((channel.get("reasons") or {}).items()):
        for reason in reasons[:TOP_REASONS]:
            yield name, outcome, reason.get("reason"), _number(reason.get("count")), _percent(reason.get("share"))


def _acceptance(acceptance: dict) -> str:
    offered = (acceptance.get("accepted") or 0) + (acceptance.get("declined") or 0)
    if not offered:
        return ""
    return f"{_percent(acceptance.get('rate'))} of {offered:,}"


def deliverability_view(report: dict) -> Group:
    """What the guard pauses at, what is paused now, the guard's window, the
    days per kind and the pauses and resumes of the range."""
    limits = report.get("thresholds") or {}
    parts: list[Any] = [
        Text(
            f"Pauses nurture mail at a bounce rate of {_percent(limits.get('pause_bounce_rate'), 1)} or a complaint "
            f"rate of {_percent(limits.get('pause_complaint_rate'), 2)} over {limits.get('window_days')} days, "
            f"judged from {limits.get('min_volume')} sends on."
        ),
        _paused(report.get("paused") or {}),
        _current(report.get("current") or {}),
    ]
    days = _table(
        f"Sending {report.get('from')} to {report.get('to')}",
        ("day", "kind", "sends", "hard bounces", "soft bounces", "complaints", "bounce rate", "complaint rate"),
        (row for day in report.get("days") or [] for row in _day_rows(day)),
    )
    for column in days.columns[2:]:
        column.justify = "right"
    parts.append(days if days.row_count else Text("Nothing was sent in the range."))
    if report.get("pauses"):
        parts.append(
            _table(
                "Pauses and resumes",
                ("at", "action", "scope", "by", "reason"),
                ((_when(e.get("at")), e.get("action"), e.get("scope"), e.get("by"), e.get("reason"))
                 for e in report["pauses"]),
            )
        )  # fmt: skip
    account = report.get("ses_account") or {}
    if account.get("available"):
        parts.append(
            Text(
                f"SES account: enforcement {account.get('enforcement_status')}, "
                f"sending {'enabled' if account.get('sending_enabled') else 'disabled'}."
            )
        )
    return Group(*parts)


def _paused(paused: dict) -> Text:
    if not paused:
        return Text("Nothing is paused.")
    return Text(
        "\n".join(
            f"PAUSED {scope} since {_when(pause.get('at'))}: {pause.get('reason')}"
            for scope, pause in sorted(paused.items())
        )
    )


def _current(current: dict) -> Text:
    window = current.get("window") or {}
    figures = current.get("all") or {}
    judged = f"{window.get('from')} to {window.get('to')}"
    if current.get("judged_since"):
        judged += f", since the resume at {_when(current['judged_since'])}"
    return Text(f"The guard's window ({judged}): {_figures(figures)}.")


def _figures(block: dict) -> str:
    sends = f"{_number(block.get('sends') or 0)} sends"
    if not block.get("enough_volume"):
        return f"{sends}, {TOO_FEW} for a rate"
    return (
        f"{sends}, bounce rate {_percent(block.get('bounce_rate'), 2)}, "
        f"complaint rate {_percent(block.get('complaint_rate'), 2)}"
    )


def _day_rows(day: dict) -> Iterator[tuple]:
    for kind, block in (("all", day.get("all") or {}), *sorted((day.get("kinds") or {}).items())):
        enough = block.get("enough_volume")
        yield (
            day.get("day") if kind == "all" else "",
            kind,
            *(_number(block.get(m) or 0) for m in ("sends", "hard_bounces", "soft_bounces", "complaints")),
            _percent(block.get("bounce_rate"), 2) if enough else TOO_FEW,
            _percent(block.get("complaint_rate"), 2) if enough else TOO_FEW,
        )


def _amount(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _percent(value: float | None, places: int = 0) -> str:
    return "" if value is None else f"{value:.{places}%}"
