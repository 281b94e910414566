"""What one CSV row does, decided on plain data: read and validated like a
form post (chalicelib/capture/validation.py), then, against the lead and the
address's suppression entry as stored, created, updated, unchanged or skipped.

Consent is never invented and an import never changes a lead's status: an
unsubscribed, suppressed or erased address is skipped, an existing lead keeps
its status and (unless the admin asked for update_existing) its profile.
Everything a new lead gets derives from the import and the row alone (its
time is the import's start), so a row done again after a crash writes the
same items under the same keys. A lead written by this import names the
import and line (`import_ref`): a replayed row recognises its own work, and a
later row with the same address is a duplicate."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..capture.signup import CONFIRMED, PENDING, UNSUBSCRIBED
from ..capture.validation import InvalidSubmission, validate_submission
from ..clock import epoch, iso
from ..playbook.forms import FieldType, FormDefinition
from ..reasons import Reason
from ..values import text_problem
from .columns import EVIDENCE, GIVEN_AT, IP, SOURCE, TEXT_VERSION, ColumnPlan, importable_fields
from .csv_file import Record

DOUBLE_OPT_IN = "double_opt_in"
EVIDENCE_MODE = "evidence"
NO_MAIL = "no_mail"
CONSENT_MODES = (DOUBLE_OPT_IN, EVIDENCE_MODE, NO_MAIL)
# a lead imported without consent: a profile, never mailed until the person
# signs up and confirms (the signup treats it like a pending address)
IMPORTED = "imported"

CREATED, UPDATED, UNCHANGED, SKIPPED, INVALID = "created", "updated", "unchanged", "skipped", "invalid"
OPTED_OUT, SUPPRESSED, NO_EVIDENCE, DUPLICATE = "opted_out", "suppressed", "no_consent_evidence", "duplicate"
# the suppression entry an erasure leaves: the person asked to be forgotten
ERASURE = "erasure"

_MULTI_SEPARATORS = re.compile(r"\s*[,;|]\s*")


@dataclass(frozen=True)
class ImportSettings:
    import_id: str
    form_id: str
    consent_mode: str
    started_at: datetime
    file_name: str
    update_existing: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class Evidence:
    given_at: str
    source: str
    ip: str | None = None
    text_version: str | None = None


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    profile: dict[str, Any]
    evidence: Evidence | None


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    reason: Reason


@dataclass(frozen=True)
class StoredLead:
    """The parts of a stored lead an import row looks at."""

    status: str
    suppressed: bool
    version: int
    profile: Mapping[str, Any]
    import_ref: str | None = None
    expires_at: int | None = None


@dataclass(frozen=True)
class NewLead:
    import_id: str
    file_name: str
    lead_id: str
    email: str
    status: str
    stage: str
    form_id: str
    locale: str
    timezone: str
    at: str
    profile: dict[str, Any]
    import_ref: str
    consent: Evidence | None  # the record to keep (evidence mode; double opt-in: the form's, pending)
    consent_text: str
    consent_version: str
    line: int
    opt_in_request_id: str | None = None
    expires_at: int | None = None
    confirmed_at: str | None = None


@dataclass(frozen=True)
class ProfileUpdate:
    lead_id: str
    version: int
    profile: dict[str, Any]
    import_ref: str


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str | None = None  # why skipped
    new: NewLead | None = None
    update: ProfileUpdate | None = None


@dataclass
class Counts:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str, reason: str | None = None) -> None:
        self.rows_read += 1
        if outcome == SKIPPED:
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "invalid": self.invalid,
        }

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Counts:
        data = data or {}
        return cls(
            **{k: int(data.get(k, 0)) for k in ("rows_read", "created", "updated", "unchanged", "invalid")},
            skipped={k: int(v) for k, v in (data.get("skipped") or {}).items()},
        )


def import_form(form: FormDefinition) -> FormDefinition:
    """The form's rules without its consent checkbox: consent comes from the
    consent mode, never from a cell that says 'yes'."""
    fields = {name: form.fields[name] for name in importable_fields(form)}
    return form.model_copy(update={"fields": fields})


def _values(form: FormDefinition, cells: Mapping[str, str]) -> dict[str, list[str]]:
    values = {}
    for name, cell in cells.items():
        if name not in form.fields or not cell.strip():
            continue
        if form.fields[name].type is FieldType.multi_choice:
            values[name] = [v for v in _MULTI_SEPARATORS.split(cell.strip()) if v]
        else:
            values[name] = [cell]
    return values


def read_row(record: Record, header: tuple[str, ...], plan: ColumnPlan, form: FormDefinition, settings) -> Row | list:
    """The row as a validated address, profile and evidence, or its errors
    (each with the CSV column it is about)."""
    if record.cells is None:
        return [RowError(record.line, None, Reason("encoding"))]
    if any(c.strip() for c in record.cells[len(header) :]):
        return [RowError(record.line, None, Reason("cells", {"count": len(record.cells), "expected": len(header)}))]
    cells = {t: c for t, c in zip(plan.targets, record.cells, strict=False) if t}
    try:
        submission = validate_submission(form, _values(form, cells))
    except InvalidSubmission as refused:
        return [RowError(record.line, plan.column_of(header, n) or n, r) for n, r in refused.errors.items()]
    evidence: Evidence | None = None
    if settings.consent_mode == EVIDENCE_MODE:
        try:
            evidence = _evidence(cells, settings.started_at)
        except _BadEvidence as bad:
            return [RowError(record.line, plan.column_of(header, bad.target), bad.reason)]
    return Row(record.line, submission.email, dict(submission.profile), evidence)


class _BadEvidence(ValueError):
    def __init__(self, target: str, reason: Reason):
        super().__init__(target)
        self.target, self.reason = target, reason


def _evidence(cells: Mapping[str, str], now: datetime) -> Evidence | None:
    given = {k: cells.get(k, "").strip() for k in EVIDENCE}
    for name, value in given.items():
        problem = text_problem(value) if value else None
        if problem:
            raise _BadEvidence(name, problem)
        if len(value) > 200:
            raise _BadEvidence(name, Reason("max_length", {"limit": 200}))
    if not given[GIVEN_AT] or not given[SOURCE]:
        return None
    try:
        at = datetime.fromisoformat(given[GIVEN_AT])
    except ValueError:
        raise _BadEvidence(GIVEN_AT, Reason("consent_given_at")) from None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    if at > now:
        raise _BadEvidence(GIVEN_AT, Reason("consent_given_at"))
    ip = given[IP] or None
    if ip:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise _BadEvidence(IP, Reason("ip")) from None
    return Evidence(iso(at), given[SOURCE], ip, given[TEXT_VERSION] or None)


def import_ref(settings: ImportSettings, line: int, outcome: str) -> str:
    return f"{settings.import_id}#{line}#{outcome}"


def _skip_for_entry(reason: str) -> str:
    return OPTED_OUT if reason == ERASURE else SUPPRESSED


def decide(
    row: Row,
    lead_id: str,
    lead: StoredLead | None,
    suppression: str | None,
    settings: ImportSettings,
    form: FormDefinition,
    pending_ttl_days: int,
) -> Decision:
    """What the row does to the lead as stored and the address's
    suppression entry (its reason, or None)."""
    if lead is not None and lead.expires_at is not None and lead.expires_at <= epoch(settings.started_at):
        lead = None  # an unconfirmed signup past its TTL: as good as gone
    if lead is not None:
        return _existing(row, lead_id, lead, suppression, settings)
    if suppression:
        return Decision(SKIPPED, _skip_for_entry(suppression))
    if settings.consent_mode == EVIDENCE_MODE and row.evidence is None:
        return Decision(SKIPPED, NO_EVIDENCE)
    return Decision(CREATED, new=_new_lead(row, lead_id, settings, form, pending_ttl_days))


def _existing(row: Row, lead_id: str, lead: StoredLead, suppression: str | None, settings) -> Decision:
    ref = lead.import_ref or ""
    if ref.startswith(settings.import_id + "#"):
        _, line, outcome = ref.rsplit("#", 2)
        # this import wrote it: the same row done again after a crash, or
        # the address came earlier in the file
        return Decision(outcome) if int(line) == row.line else Decision(SKIPPED, DUPLICATE)
    if lead.status == UNSUBSCRIBED:
        return Decision(SKIPPED, OPTED_OUT)
    if lead.suppressed:
        return Decision(SKIPPED, SUPPRESSED)
    if suppression:
        return Decision(SKIPPED, _skip_for_entry(suppression))
    changed = {k: v for k, v in row.profile.items() if lead.profile.get(k) != v}
    if settings.update_existing and changed:
        profile = {**lead.profile, **changed}
        return Decision(
            UPDATED, update=ProfileUpdate(lead_id, lead.version, profile, import_ref(settings, row.line, UPDATED))
        )
    return Decision(UNCHANGED)


def _new_lead(row: Row, lead_id: str, settings: ImportSettings, form: FormDefinition, ttl_days: int) -> NewLead:
    at = iso(settings.started_at)
    common = dict(
        import_id=settings.import_id,
        file_name=settings.file_name,
        lead_id=lead_id,
        email=row.email,
        form_id=settings.form_id,
        locale=form.locale,
        timezone=form.timezone,
        at=at,
        profile=row.profile,
        import_ref=import_ref(settings, row.line, CREATED),
        consent_text=form.consent.text,
        consent_version=form.consent.version,
        line=row.line,
    )
    if settings.consent_mode == EVIDENCE_MODE:
        evidence = row.evidence
        version = evidence.text_version or form.consent.version
        return NewLead(
            **{**common, "consent_version": version},
            status=CONFIRMED,
            stage="lead",
            consent=evidence,
            confirmed_at=evidence.given_at,
        )
    if settings.consent_mode == DOUBLE_OPT_IN:
        # the signup's shape: pending, opt-in request no. 1 (the stream
        # consumer mails it), the form's consent text awaiting confirmation
        return NewLead(
            **common,
            status=PENDING,
            stage="subscriber",
            consent=Evidence(at, "import"),
            opt_in_request_id=f"{at}#1",
            expires_at=epoch(settings.started_at + timedelta(days=ttl_days)),
        )
    return NewLead(**common, status=IMPORTED, stage="subscriber", consent=None)
