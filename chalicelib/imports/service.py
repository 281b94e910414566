"""The import use case: an admin starts an import and gets a presigned upload
URL; the upload's S3 event (through the import queue) starts the worker,
which reads the file in chunks of rows from its checkpoint, writes each
chunk's leads in batches, moves the checkpoint (byte offset, next line,
counts) and, before its Lambda time runs out, hands over to a fresh
invocation through the same queue. A crash resumes from the checkpoint: rows
after it are done again, and find their own work (rows.py).

Double opt-in mail is sent by the stream consumer for each new pending lead;
the worker paces it to the playbook's send rate by delaying the hand-over
after each chunk by (new addresses / rate) seconds."""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from ..capture.service import lead_id_for
from ..clock import epoch, iso
from ..storage.errors import VersionConflict
from ..suppression.service import address_key
from .columns import bad_column_map, plan_columns
from .csv_file import SAMPLE_BYTES, FileRefused, Layout, first_look, records
from .request import MAX_BYTES
from .rows import (
    DUPLICATE,
    INVALID,
    SKIPPED,
    Counts,
    ImportSettings,
    Row,
    decide,
    import_form,
    read_row,
)

log = logging.getLogger(__name__)

WAITING, RUNNING, DONE, FAILED = "waiting_for_upload", "running", "done", "failed"
UPLOAD_SECONDS = 3600
CHUNK_ROWS = 500
# hand over while this much of the Lambda's time is left
RESERVE_MS = 20_000
_UPDATE_ATTEMPTS = 3
_MAX_DELAY = 900  # SQS's longest DelaySeconds


class UnknownImport(LookupError):
    pass


class BadImportRequest(ValueError):
    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(errors))
        self.errors = dict(errors)


def object_key(import_id: str) -> str:
    return f"imports/{import_id}.csv"


def import_id_of(key: str) -> str | None:
    if key.startswith("imports/") and key.endswith(".csv"):
        return key[len("imports/") : -len(".csv")] or None
    return None


def view(job) -> dict[str, Any]:
    """An import as GET /imports shows it."""
    return {
        "import_id": job.import_id,
        "status": job.status,
        "form_id": job.form_id,
        "consent_mode": job.consent_mode,
        "dry_run": job.dry_run,
        "update_existing": job.update_existing,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "finished_at": job.finished_at,
        "reason": job.reason,
        "bytes_total": int(job.bytes_total) if job.bytes_total is not None else None,
        "bytes_read": int(job.offset or 0),
        "columns": dict(job.columns.as_dict()) if job.columns else {},
        "unknown_columns": list(job.unknown_columns or []),
        "counts": Counts.of(job.counts.as_dict() if job.counts else {}).as_dict(),
    }


class Importer:
    def __init__(self, playbook, store, files, queue, clock, lead_key: bytes):
        self._playbook = playbook
        self._store = store
        self._files = files
        self._queue = queue
        self._clock = clock
        self._lead_key = lead_key

    # --- the admin's side ---------------------------------------------------------
    def start(
        self,
        form_id: str,
        consent_mode: str,
        column_map: Mapping[str, str],
        dry_run: bool,
        update_existing: bool,
        size_bytes: int | None = None,
    ):
        """A new import waiting for its file: (import id, upload URL, expiry).
        Raises LookupError for an unknown form, BadImportRequest."""
        form = self._playbook.forms.get(form_id)
        if form is None:
            raise LookupError(form_id)
        bad = bad_column_map(form, column_map)
        if bad:
            raise BadImportRequest({f"column_map.{c}": why for c, why in bad.items()})
        now = self._clock.now()
        import_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
        key = object_key(import_id)
        self._store.create(
            import_id=import_id,
            form_id=form_id,
            consent_mode=consent_mode,
            dry_run=dry_run,
            update_existing=update_existing,
            column_map=dict(column_map),
            object_key=key,
            status=WAITING,
            created_at=iso(now),
            updated_at=iso(now),
            counts=Counts().as_dict(),
        )
        url = self._files.upload_url(key, UPLOAD_SECONDS, size_bytes)
        return import_id, url, iso(now + timedelta(seconds=UPLOAD_SECONDS))

    def job(self, import_id: str):
        job = self._store.job(import_id)
        if job is None:
            raise UnknownImport(import_id)
        return job

    # --- the worker ---------------------------------------------------------------
    def resume(self, import_id: str, remaining_ms: Callable[[], int] | None = None) -> str:
        """Carry the import on from its checkpoint; returns what happened
        (ids and counts only: no address reaches the log)."""
        job = self._store.job(import_id)
        if job is None:
            return "no such import"
        if job.status in (DONE, FAILED):
            self._files.delete(job.object_key)
            return f"finished before ({job.status})"
        if job.form_id not in self._playbook.forms:
            return self._fail(job, "unknown_form")  # a playbook deployed since took the form away
        if job.layout is None:
            refused = self._begin(job)
            if refused:
                return refused
            job = self._store.job(import_id)
        return self._work(job, remaining_ms)

    def _fail(self, job, reason: str) -> str:
        self._store.finish(job.import_id, FAILED, iso(self._clock.now()), reason)
        self._files.delete(job.object_key)
        return f"failed: {reason}"

    def _begin(self, job) -> str | None:
        size = self._files.size(job.object_key)
        if size is None:
            return "no file uploaded yet"
        if size > MAX_BYTES:
            return self._fail(job, "too_large")
        try:
            layout = first_look(self._files.read(job.object_key, 0, SAMPLE_BYTES) if size else b"", size)
        except FileRefused as refused:
            return self._fail(job, refused.reason)
        form = self._playbook.forms[job.form_id]
        plan = plan_columns(form, layout.header, job.column_map.as_dict() if job.column_map else {})
        if "email" not in plan.targets:
            return self._fail(job, "no_email_column")
        stored = {
            "encoding": layout.encoding,
            "delimiter": layout.delimiter,
            "header": list(layout.header),
            "data_offset": layout.data_offset,
            "data_line": layout.data_line,
        }
        # False: another worker started it first; carry on from its checkpoint
        self._store.start(
            job.import_id, iso(self._clock.now()), size, stored, plan.columns(layout.header), list(plan.unknown)
        )
        return None

    @staticmethod
    def _settings(job) -> ImportSettings:
        return ImportSettings(
            import_id=job.import_id,
            form_id=job.form_id,
            consent_mode=job.consent_mode,
            started_at=datetime.fromisoformat(job.started_at),
            file_name=job.object_key,
            update_existing=job.update_existing,
            dry_run=job.dry_run,
        )

    def _work(self, job, remaining_ms) -> str:
        stored = job.layout.as_dict()
        layout = Layout(
            stored["encoding"], stored["delimiter"], tuple(stored["header"]), stored["data_offset"], stored["data_line"]
        )
        settings = self._settings(job)
        form = self._playbook.forms[job.form_id]
        plan = plan_columns(form, layout.header, job.column_map.as_dict() if job.column_map else {})
        counts = Counts.of(job.counts.as_dict() if job.counts else {})
        offset, line = int(job.offset), int(job.line)
        chunks = self._files.stream(job.object_key, offset) if offset < (job.bytes_total or 0) else iter(())
        pending = records(chunks, layout, offset, line)
        rows_form = import_form(form)
        while True:
            chunk = list(islice(pending, CHUNK_ROWS))
            if chunk:
                opt_ins = self._chunk(settings, form, rows_form, plan, layout.header, chunk, counts)
                at = iso(self._clock.now())
                end, next_line = chunk[-1].end, chunk[-1].next_line
                if not self._store.checkpoint(job.import_id, offset, end, next_line, counts.as_dict(), at):
                    return "another worker moved the checkpoint on"
                offset, line = end, next_line
            if len(chunk) < CHUNK_ROWS:
                self._store.finish(job.import_id, DONE, iso(self._clock.now()))
                self._files.delete(job.object_key)
                log.info("import %s done: %s", job.import_id, counts.as_dict())
                return "done"
            if opt_ins:
                # the opt-in mails of this chunk go out at the playbook's rate
                rate = self._playbook.nurture.sending.max_per_second
                delay = min(_MAX_DELAY, math.ceil(opt_ins / rate))
                self._queue.send(job.import_id, delay)
                return f"handed over at line {line}, {delay} s for the opt-in mails"
            if remaining_ms is not None and remaining_ms() < RESERVE_MS:
                self._queue.send(job.import_id, 0)
                return f"handed over at line {line}"

    def _chunk(self, settings, form, rows_form, plan, header, chunk, counts: Counts) -> int:
        """Does one chunk's rows; returns the opt-in mails it asked for."""
        rows: list[Row] = []
        errors = []
        for record in chunk:
            read = read_row(record, header, plan, rows_form, settings)
            if isinstance(read, Row):
                rows.append(read)
            else:
                errors += read
                counts.add(INVALID)
        ids = [lead_id_for(row.email, self._lead_key) for row in rows]
        keys = [address_key(self._lead_key, row.email) for row in rows]
        leads, entries = self._store.lead_states(ids, keys)
        ttl_days = self._playbook.double_opt_in.pending_ttl_days
        seen: set[str] = set()
        new = []
        for row, lead_id, key in zip(rows, ids, keys, strict=True):
            if lead_id in seen:
                counts.add(SKIPPED, DUPLICATE)  # the same address (any case) earlier in the chunk
                continue
            seen.add(lead_id)
            decision = decide(row, lead_id, leads.get(lead_id), entries.get(key), settings, form, ttl_days)
            if decision.update is not None and not settings.dry_run:
                decision = self._update(decision, row, lead_id, key, settings, form, ttl_days)
            counts.add(decision.outcome, decision.reason)
            if decision.new is not None:
                new.append(decision.new)
        if errors:
            self._store.write_errors(settings.import_id, errors, epoch(self._clock.now()) + 30 * 24 * 3600)
        if settings.dry_run:
            return 0
        self._store.create_leads(new)
        return sum(1 for lead in new if lead.opt_in_request_id)

    def _update(self, decision, row, lead_id, key, settings, form, ttl_days):
        """Write an existing lead's profile, conditional on the version read;
        on a conflict read the lead again and decide again."""
        at = iso(self._clock.now())
        for _ in range(_UPDATE_ATTEMPTS):
            if decision.update is None:
                return decision
            try:
                self._store.update_profile(decision.update, at)
                return decision
            except VersionConflict:
                leads, entries = self._store.lead_states([lead_id], [key])
                decision = decide(row, lead_id, leads.get(lead_id), entries.get(key), settings, form, ttl_days)
        raise VersionConflict(f"lead kept changing during {_UPDATE_ATTEMPTS} attempts")
