"""The import queue's consumer. A message is either the upload bucket's S3
event (an object `imports/<import_id>.csv` was created; the shape S3 sends
to SQS, `{"Records": [{"eventSource": "aws:s3", ...}]}`, or the
`s3:TestEvent` S3 sends once when the notification is set up) or a worker's
hand-over `{"import_id": ...}`. Either way the import carries on from its
checkpoint, so a redelivered message or a second event does nothing twice."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from .service import import_id_of

log = logging.getLogger(__name__)


def import_ids(body: str) -> list[str]:
    """The imports a message is about. Raises ValueError for a message that
    is neither an S3 event nor a hand-over."""
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("an import message is a JSON object")
    if isinstance(data.get("import_id"), str):
        return [data["import_id"]]
    if data.get("Event") == "s3:TestEvent":
        return []
    records = data.get("Records")
    if not isinstance(records, list):
        raise ValueError("an import message is an S3 event or a hand-over")
    ids = []
    for record in records:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        found = import_id_of(unquote_plus(record["s3"]["object"]["key"]))
        if found:
            ids.append(found)
    return ids


def process_import_messages(event: dict, importer, remaining_ms: Callable[[], int] | None) -> dict:
    def handle(record) -> None:
        for import_id in import_ids(record.body):
            log.info("import %s: %s", import_id, importer.resume(import_id, remaining_ms))

    return process_partial_response(event=event, record_handler=handle, processor=BatchProcessor(EventType.SQS))
