"""`leadflow import`: start an import, upload the file to its presigned URL,
follow it with a progress bar until it is done or failed, then show the
counts and the first errors."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from .client import Api, Failed
from .views import _when

MAX_BYTES = 100 * 1024 * 1024  # what POST /imports' presigned URL accepts
FINISHED = ("done", "failed")
FIRST_ERRORS = 10
POLL_SECONDS = 0.5
COUNTS = ("created", "updated", "unchanged", "skipped", "invalid")
# GET /imports/{id}'s `reason` of a failed import, in words
REASONS = {
    "not_csv": "the file is not CSV",
    "empty": "the file is empty",
    "no_email_column": "no column holds the e-mail address (name it, or use --column-map 'HEADER=email')",
    "too_large": "the file is over 100 MB",
    "unknown_form": "the playbook no longer has the form (deployed since the import started)",
}


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    form_id: str
    consent_mode: str
    dry_run: bool = False
    update_existing: bool = False
    column_map: dict[str, str] | None = None

    def body(self, size: int) -> dict[str, Any]:
        body: dict[str, Any] = {"form_id": self.form_id, "consent_mode": self.consent_mode, "dry_run": self.dry_run}
        if size:  # signed into the upload URL: S3 then takes exactly this file
            body["size_bytes"] = size
        if self.update_existing:
            body["update_existing"] = True
        if self.column_map:
            body["column_map"] = self.column_map
        return body


def run_import(api: Api, request: ImportRequest, console: Console) -> int:
    """The whole import; returns the exit code: 0 done, 1 done with invalid
    rows. Raises Failed (exit code 2) when it failed or could not start."""
    size = _checked_size(request.path)
    total = count_rows(request.path)
    started = api.post("/imports", request.body(size))
    import_id = started["import_id"]
    counted = f"{total:,} row{'s' * (total != 1)}"
    console.print(Text(f"Import {import_id} of {request.path.name} ({counted}){_dry(request.dry_run)}"))
    with _progress(console) as progress:
        sending = progress.add_task("uploading", total=size, unit="bytes")
        api.upload(started["upload_url"], request.path, lambda sent: progress.update(sending, completed=sent))
        progress.update(sending, visible=False)
        rows = progress.add_task("waiting to start", total=total or None)
        try:
            status = _follow(api, import_id, progress, rows)
        except KeyboardInterrupt:
            raise Failed(
                f"Stopped watching. Import {import_id} goes on on the server (GET /imports/{import_id})."
            ) from None
    return _conclude(api, import_id, status, console)


def _follow(api: Api, import_id: str, progress: Progress, task) -> dict:
    while True:
        status = api.get(f"/imports/{import_id}")
        state = status.get("status")
        progress.update(task, completed=_counts(status)["rows_read"], description=str(state).replace("_", " "))
        if state in FINISHED:
            return status
        time.sleep(POLL_SECONDS)


def _conclude(api: Api, import_id: str, status: dict, console: Console) -> int:
    if status["status"] == "done" or _counts(status)["rows_read"]:
        console.print(_counts_table(status))
    if status.get("unknown_columns"):
        console.print(Text(f"Columns that fill no field: {', '.join(status['unknown_columns'])}"))
    if status["status"] == "failed":
        reason = status.get("reason")
        raise Failed(f"Import {import_id} failed: {REASONS.get(reason, reason or 'no reason given')}.")
    invalid = _counts(status)["invalid"]
    if invalid:
        _print_first_errors(api, import_id, invalid, console)
    console.print(f"Import {import_id} done{_dry(bool(status.get('dry_run')))}.")
    return 1 if invalid else 0


def _checked_size(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise Failed(f"Cannot read {path}: {error.strerror}.") from None
    if not path.is_file():
        raise Failed(f"{path} is not a file.")
    if size > MAX_BYTES:
        raise Failed(f"{path.name} is {size / 1024 / 1024:.0f} MB; an import takes at most 100 MB. Split the file.")
    return size


def count_rows(path: Path) -> int:
    """Data rows of the CSV as the progress bar's total (the header is not
    one; a quoted field with a line break is one row). The separator is
    guessed as the import does (comma, semicolon or tab); the bytes are read
    as Latin-1, which decodes anything and keeps the ASCII quotes and
    separators of UTF-8 and Windows-1252 files where they are."""
    with path.open("r", encoding="latin-1", newline="") as text:
        sample = text.read(64 * 1024)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        text.seek(0)
        rows = sum(1 for row in csv.reader(text, dialect) if any(cell.strip() for cell in row))
    return max(rows - 1, 0)


class RowRate(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "– rows/s", style="progress.data.speed")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowRate(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
    )


def _counts(status: dict) -> dict:
    """The import's counts; zeros until it has some."""
    counts = status.get("counts") or {}
    return {
        **{name: int(counts.get(name) or 0) for name in ("rows_read", *COUNTS) if name != "skipped"},
        "skipped": dict(counts.get("skipped") or {}),
    }


def _counts_table(status: dict) -> Table:
    counts = _counts(status)
    table = Table(title=f"Import {status.get('status')}", show_header=False, title_justify="left")
    table.add_column("count")
    table.add_column("rows", justify="right")
    table.add_row("rows read", f"{counts['rows_read']:,}")
    for name in COUNTS:
        if name == "skipped":  # by reason
            reasons = ", ".join(f"{why} {n:,}" for why, n in sorted(counts["skipped"].items()) if n)
            table.add_row(name, f"{sum(counts['skipped'].values()):,}" + (f"  ({reasons})" if reasons else ""))
        else:
            table.add_row(name, f"{counts[name]:,}")
    return table


def _errors_table(errors: list[dict], invalid: int) -> Table:
    title = f"First {len(errors)} of {invalid:,} invalid rows" if invalid > len(errors) else "Invalid rows"
    table = Table(title=title, title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("column")
    table.add_column("message")
    for error in errors:
        table.add_row(str(error.get("line", "")), str(error.get("column") or ""), str(error.get("message", "")))
    return table


def _dry(dry_run: bool) -> str:
    return " (dry run: nothing is written or sent)" if dry_run else ""


def imports_table(imports: list[dict], more: bool) -> Table:
    title = f"Latest {len(imports)} import{'s' * (len(imports) != 1)}" + (
        " (more with a higher --limit)" if more else ""
    )
    table = Table(title=title, title_justify="left")
    for name in ("import", "status", "form", "started", "rows read", *COUNTS):
        table.add_column(name, justify="right" if name == "rows read" or name in COUNTS else "left")
    for each in imports:
        counts = _counts(each)
        table.add_row(
            Text(str(each.get("import_id", ""))),
            Text(str(each.get("status", "")).replace("_", " ") + (" (dry run)" if each.get("dry_run") else "")),
            Text(str(each.get("form_id", ""))),
            Text(_when(each.get("created_at"))),
            f"{counts['rows_read']:,}",
            *(f"{sum(counts[n].values()) if n == 'skipped' else counts[n]:,}" for n in COUNTS),
        )
    return table


def show_import(api: Api, import_id: str, console: Console) -> None:
    """One import: what it is, its counts, and its first refused rows."""
    status = api.get(f"/imports/{import_id}")
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    state = str(status.get("status", "")).replace("_", " ")
    if status.get("status") == "failed":
        reason = status.get("reason")
        state += f": {REASONS.get(reason, reason or 'no reason given')}"
    for label, value in (
        ("import", status.get("import_id")),
        ("status", state + _dry(bool(status.get("dry_run")))),
        ("form", status.get("form_id")),
        ("consent", status.get("consent_mode")),
        ("started", _when(status.get("created_at"))),
        ("finished", _when(status.get("finished_at"))),
    ):
        head.add_row(label, Text(str(value or "")))
    console.print(head)
    console.print(_counts_table(status))
    if status.get("unknown_columns"):
        console.print(Text(f"Columns that fill no field: {', '.join(status['unknown_columns'])}"))
    invalid = _counts(status)["invalid"]
    if invalid:
        _print_first_errors(api, import_id, invalid, console)


def _print_first_errors(api: Api, import_id: str, invalid: int, console: Console) -> None:
    errors = api.get(f"/imports/{import_id}/errors", limit=FIRST_ERRORS).get("errors") or []
    console.print(_errors_table(errors[:FIRST_ERRORS], invalid))
