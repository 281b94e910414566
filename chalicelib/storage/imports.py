"""Imports on the single table and the upload bucket.

| item          | pk                  | sk                  |
| ------------- | ------------------- | ------------------- |
| import        | IMPORT              | <import_id>         |
| row error     | IMPORT#<import_id>  | ERR#<line>#<n>      |

Import ids start with their UTC creation time, so the latest imports are one
Query on the `IMPORT` partition, newest first (imports are few). The import
item holds the checkpoint: byte offset, next line and counts, advanced only
by a write conditional on the offset it started from, so two workers on one
import never count a chunk twice.

Lead writes are BatchWriteItem (25 items a request), unprocessed items sent
again with exponential backoff, as is a throttled request; reads of leads and
suppression entries are BatchGetItem (100 keys a request), likewise."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from botocore.exceptions import ClientError
from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError

from ..imports.rows import NewLead, ProfileUpdate, RowError, StoredLead
from .errors import VersionConflict
from .leads import plain
from .models import (
    CONSENT_PREFIX,
    LEAD_SK,
    STAGE_PREFIX,
    SUPPRESS_PREFIX,
    SUPPRESS_SK,
    ConsentItem,
    LeadItem,
    StageChangeItem,
    _Item,
    _TableMeta,
    lead_pk,
)

IMPORT_PK = "IMPORT"
ERROR_PREFIX = "ERR#"
WRITE_BATCH = 25
GET_BATCH = 100
# DynamoDB's advice: retry throttled and unprocessed requests with backoff
_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
_ATTEMPTS = 10
_FIRST_BACKOFF = 0.05
_MAX_BACKOFF = 5.0
# error rows outlive the import's report by a month (line numbers, no addresses)
ERROR_TTL_SECONDS = 30 * 24 * 3600


def import_errors_pk(import_id: str) -> str:
    return f"{IMPORT_PK}#{import_id}"


class ImportItem(_Item):
    class Meta(_TableMeta):
        pass

    import_id = UnicodeAttribute()
    form_id = UnicodeAttribute()
    consent_mode = UnicodeAttribute()
    dry_run = BooleanAttribute(default=False)
    update_existing = BooleanAttribute(default=False)
    column_map = MapAttribute(default=dict)
    object_key = UnicodeAttribute()
    status = UnicodeAttribute()  # waiting_for_upload | running | done | failed
    reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    bytes_total = NumberAttribute(null=True)
    offset = NumberAttribute(default=0)  # byte after the last record counted
    line = NumberAttribute(default=0)  # where the next record starts
    counts = MapAttribute(default=dict)
    # the first look's findings: encoding, delimiter, header
    layout = MapAttribute(null=True)
    columns = MapAttribute(null=True)
    unknown_columns = ListAttribute(of=UnicodeAttribute, null=True)


class ImportErrorItem(_Item):
    class Meta(_TableMeta):
        pass

    line = NumberAttribute()
    column = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    values = MapAttribute(default=dict)


class Backoff:
    """Sleeps 0.05 s, 0.1 s, ... up to 5 s between attempts."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep):
        self.sleep = sleep

    def attempts(self) -> Iterator[int]:
        for attempt in range(_ATTEMPTS):
            if attempt:
                self.sleep(min(_MAX_BACKOFF, _FIRST_BACKOFF * 2 ** (attempt - 1)))
            yield attempt


def _throttled(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _THROTTLED


class BatchWriter:
    """BatchWriteItem in requests of 25 with retries of unprocessed items."""

    def __init__(self, client, table: str, backoff: Backoff):
        self._client = client
        self._table = table
        self._backoff = backoff

    def put(self, items: Iterable[dict]) -> int:
        """Writes every item; returns the requests sent. Raises after
        _ATTEMPTS rounds without progress (the import resumes later)."""
        items = list(items)
        requests = 0
        for start in range(0, len(items), WRITE_BATCH):
            todo = [{"PutRequest": {"Item": item}} for item in items[start : start + WRITE_BATCH]]
            for _ in self._backoff.attempts():
                requests += 1
                try:
                    answer = self._client.batch_write_item(RequestItems={self._table: todo})
                except ClientError as error:
                    if _throttled(error):
                        continue
                    raise
                todo = answer.get("UnprocessedItems", {}).get(self._table, [])
                if not todo:
                    break
            else:
                raise RuntimeError(f"BatchWriteItem: {len(todo)} items still unprocessed after {_ATTEMPTS} attempts")
        return requests

    def get(self, keys: list[dict], projection: str, names: dict[str, str]) -> list[dict]:
        found: list[dict] = []
        for start in range(0, len(keys), GET_BATCH):
            request = {
                "Keys": keys[start : start + GET_BATCH],
                "ConsistentRead": True,
                "ProjectionExpression": projection,
                "ExpressionAttributeNames": names,
            }
            for _ in self._backoff.attempts():
                try:
                    answer = self._client.batch_get_item(RequestItems={self._table: request})
                except ClientError as error:
                    if _throttled(error):
                        continue
                    raise
                found += answer.get("Responses", {}).get(self._table, [])
                left = answer.get("UnprocessedKeys", {}).get(self._table)
                if not left:
                    break
                request = left
            else:
                raise RuntimeError(f"BatchGetItem: keys still unprocessed after {_ATTEMPTS} attempts")
        return found


_LEAD_FIELDS = ("pk", "sk", "status", "suppressed", "version", "profile", "import_ref", "expires_at", "reason")


class ImportStore:
    def __init__(self, client, backoff: Backoff | None = None):
        self.batch = BatchWriter(client, LeadItem.Meta.table_name, backoff or Backoff())

    # --- the import ------------------------------------------------------------
    @staticmethod
    def create(import_id: str, **fields) -> None:
        item = ImportItem(IMPORT_PK, import_id, import_id=import_id, **fields)
        item.save(condition=ImportItem.sk.does_not_exist())

    @staticmethod
    def job(import_id: str) -> ImportItem | None:
        try:
            return ImportItem.get(IMPORT_PK, import_id, consistent_read=True)
        except ImportItem.DoesNotExist:
            return None

    @staticmethod
    def latest(limit: int, after: dict | None) -> tuple[list[ImportItem], dict | None]:
        page = ImportItem.query(IMPORT_PK, scan_index_forward=False, limit=limit, last_evaluated_key=after)
        return list(page), page.last_evaluated_key

    @staticmethod
    def _update(import_id: str, actions: list, condition) -> bool:
        try:
            ImportItem(IMPORT_PK, import_id).update(actions, condition=condition)
            return True
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise

    def start(self, import_id: str, at: str, bytes_total: int, layout: dict, columns: dict, unknown: list) -> bool:
        """waiting_for_upload -> running with the first look's findings;
        False if another worker started it first."""
        actions = [
            ImportItem.status.set("running"),
            ImportItem.started_at.set(at),
            ImportItem.updated_at.set(at),
            ImportItem.bytes_total.set(bytes_total),
            ImportItem.layout.set(layout),
            ImportItem.columns.set(columns),
            ImportItem.offset.set(layout["data_offset"]),
            ImportItem.line.set(layout["data_line"]),
        ]
        if unknown:
            actions.append(ImportItem.unknown_columns.set(unknown))
        return self._update(import_id, actions, ImportItem.status == "waiting_for_upload")

    def checkpoint(self, import_id: str, from_offset: int, offset: int, line: int, counts: dict, at: str) -> bool:
        """Move the checkpoint on; False if another worker moved it first."""
        actions = [
            ImportItem.offset.set(offset),
            ImportItem.line.set(line),
            ImportItem.counts.set(counts),
            ImportItem.updated_at.set(at),
        ]
        return self._update(import_id, actions, (ImportItem.status == "running") & (ImportItem.offset == from_offset))

    def finish(self, import_id: str, status: str, at: str, reason: str | None = None) -> bool:
        actions = [ImportItem.status.set(status), ImportItem.finished_at.set(at), ImportItem.updated_at.set(at)]
        if reason:
            actions.append(ImportItem.reason.set(reason))
        return self._update(import_id, actions, ImportItem.status.is_in("waiting_for_upload", "running"))

    # --- row errors --------------------------------------------------------------
    def write_errors(self, import_id: str, errors: list[RowError], expires_at: int) -> None:
        items = []
        for n, error in enumerate(errors):
            item = ImportErrorItem(
                import_errors_pk(import_id),
                f"{ERROR_PREFIX}{error.line:010d}#{n:03d}",
                line=error.line,
                column=error.column,
                reason=error.reason.key,
                values={k: list(v) if isinstance(v, tuple) else v for k, v in error.reason.values.items()},
                expires_at=expires_at,
            )
            items.append(item.serialize())
        self.batch.put(items)

    @staticmethod
    def errors(import_id: str, limit: int, after: dict | None) -> tuple[list[ImportErrorItem], dict | None]:
        page = ImportErrorItem.query(
            import_errors_pk(import_id),
            ImportErrorItem.sk.startswith(ERROR_PREFIX),
            limit=limit,
            last_evaluated_key=after,
        )
        items = list(page)
        return items, page.last_evaluated_key

    # --- leads ---------------------------------------------------------------------
    def lead_states(self, lead_ids: list[str], address_keys: list[str]) -> tuple[dict[str, StoredLead], dict[str, str]]:
        """The leads as stored and the reasons of the addresses' suppression
        entries: BatchGetItem, consistent."""
        keys = [{"pk": {"S": lead_pk(i)}, "sk": {"S": LEAD_SK}} for i in dict.fromkeys(lead_ids)]
        keys += [{"pk": {"S": SUPPRESS_PREFIX + k}, "sk": {"S": SUPPRESS_SK}} for k in dict.fromkeys(address_keys)]
        names = {f"#{n}": n for n in _LEAD_FIELDS}
        found = self.batch.get(keys, ", ".join(names), names)
        leads, entries = {}, {}
        for raw in found:
            pk = raw["pk"]["S"]
            if pk.startswith(SUPPRESS_PREFIX):
                entries[pk[len(SUPPRESS_PREFIX) :]] = raw.get("reason", {}).get("S", "suppressed")
                continue
            leads[pk[len("LEAD#") :]] = StoredLead(
                status=raw["status"]["S"],
                suppressed=raw.get("suppressed", {}).get("BOOL", False),
                version=int(raw.get("version", {}).get("N", 0)),
                profile=plain(LeadItem.profile.deserialize(raw["profile"]["M"])) if "profile" in raw else {},
                import_ref=raw.get("import_ref", {}).get("S"),
                expires_at=int(raw["expires_at"]["N"]) if "expires_at" in raw else None,
            )
        return leads, entries

    def create_leads(self, leads: list[NewLead]) -> None:
        """Each lead's records first, the lead items last: a crash in
        between leaves records whose lead a replay writes (the same keys),
        never a lead without its consent record."""
        records, items = [], []
        for new in leads:
            record, stage = self._records(new)
            records += [r.serialize() for r in (record, stage) if r is not None]
            items.append(self._lead(new, record).serialize())
        self.batch.put(records)
        self.batch.put(items)

    @staticmethod
    def _records(new: NewLead) -> tuple[ConsentItem | None, StageChangeItem | None]:
        pk = lead_pk(new.lead_id)
        consent = stage = None
        if new.consent is not None:
            evidence = new.consent
            consent = ConsentItem(
                pk,
                f"{CONSENT_PREFIX}{evidence.given_at}#import-{new.line}",
                lead_id=new.lead_id,
                form_id=new.form_id,
                consent_text=new.consent_text,
                consent_version=new.consent_version,
                given_at=evidence.given_at,
                ip=evidence.ip,
                source=evidence.source,
                imported={"import_id": new.import_id, "file": new.file_name, "line": new.line},
                confirmed_at=new.confirmed_at,
                expires_at=new.expires_at,
            )
        if new.stage == "lead":
            stage = StageChangeItem(
                pk,
                f"{STAGE_PREFIX}{new.at}#lead",
                lead_id=new.lead_id,
                from_stage="subscriber",
                to_stage="lead",
                at=new.at,
                reason="imported with consent evidence",
            )
        return consent, stage

    @staticmethod
    def _lead(new: NewLead, consent: ConsentItem | None) -> LeadItem:
        pending = {consent.sk} if consent is not None and new.expires_at else None
        item = LeadItem(
            lead_pk(new.lead_id),
            LEAD_SK,
            lead_id=new.lead_id,
            email=new.email,
            status=new.status,
            stage=new.stage,
            form_id=new.form_id,
            locale=new.locale,
            timezone=new.timezone,
            profile=new.profile,
            attribution={},
            created_at=new.at,
            updated_at=new.at,
            confirmed_at=new.confirmed_at,
            pending_sks=pending,
            opt_in_requests=1 if new.opt_in_request_id else 0,
            opt_in_requested_at=new.at if new.opt_in_request_id else None,
            opt_in_request_id=new.opt_in_request_id,
            expires_at=new.expires_at,
            import_ref=new.import_ref,
        )
        item.version = 1
        return item

    @staticmethod
    def update_profile(update: ProfileUpdate, at: str) -> None:
        """Raises VersionConflict if the lead changed since it was read."""
        lead = LeadItem(lead_pk(update.lead_id), LEAD_SK, version=update.version)
        try:
            lead.update(
                [
                    LeadItem.profile.set(update.profile),
                    LeadItem.updated_at.set(at),
                    LeadItem.import_ref.set(update.import_ref),
                ]
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise VersionConflict() from None
            raise
