"""The import worker under faults: a crash in the middle of a chunk, hand-overs
when the Lambda's time runs low, throttled BatchWriteItem, opt-in pacing."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.imports import service
from chalicelib.queues import ImportQueue
from chalicelib.storage.imports import Backoff, ImportStore

from .conftest import REGION, stored_items
from .imports_support import bucket, counts, imports  # noqa: F401

EVIDENCE_HEADER = b"email,consent_given_at,consent_source\n"


def evidence_rows(n):
    return EVIDENCE_HEADER + b"".join(b"p%02d@example.com,2024-05-01,Mautic\n" % i for i in range(n))


def lead_items(aws):
    return [i for i in stored_items(aws) if i["pk"]["S"].startswith("LEAD#")]


class Crashing:
    """A DynamoDB client that dies once, in the middle of a chunk's lead
    writes: the first lead of that request is written, the rest is not."""

    def __init__(self, real, crash_on_call):
        self.real = real
        self.calls = 0
        self.crash_on_call = crash_on_call

    def batch_write_item(self, RequestItems):
        self.calls += 1
        if self.calls == self.crash_on_call:
            [(table, requests)] = RequestItems.items()
            self.real.batch_write_item(RequestItems={table: requests[:1]})
            raise RuntimeError("the Lambda died here")
        return self.real.batch_write_item(RequestItems=RequestItems)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_crash_mid_chunk_resumes_from_the_checkpoint_and_does_no_row_twice(
    imports, services, aws, stream, monkeypatch
):
    monkeypatch.setattr(service, "CHUNK_ROWS", 4)
    # per chunk: one request for the consent and stage records, one for the
    # leads; call 4 is the second chunk's leads
    crashing = Crashing(boto3.client("dynamodb", region_name=REGION), crash_on_call=4)
    services.import_store = ImportStore(crashing)
    started = imports.start(consent_mode="evidence")
    imports.upload(started, evidence_rows(10))

    imports.deliver(imports.messages())  # S3's test event and object event: chunk 1, then a hand-over
    [hand_over] = imports.messages()
    imports.deliver([hand_over])  # chunk 2 dies half-way: the message stays
    assert "the Lambda died here" in str(imports.worker_answers[-1])
    half = imports.status(started["import_id"])
    assert half["status"] == "running" and counts(half, rows_read=4, created=4)
    assert len(lead_items(aws)) > 4 * 3  # part of chunk 2 is stored

    imports.deliver([hand_over])  # SQS delivers it again after the visibility timeout
    imports.work()
    done = imports.status(started["import_id"])
    assert done["status"] == "done" and counts(done, rows_read=10, created=10), done
    leads = [i for i in lead_items(aws) if i["sk"]["S"] == "LEAD"]
    assert len(leads) == 10
    for kind in ("CONSENT#", "STAGE#"):
        assert len([i for i in lead_items(aws) if i["sk"]["S"].startswith(kind)]) == 10
    # every lead item was written once: the replayed row found its own work
    writes = [r for r in stream.records() if r["dynamodb"]["Keys"]["sk"]["S"] == "LEAD"]
    assert sorted(r["eventName"] for r in writes) == ["INSERT"] * 10


def test_the_worker_hands_over_before_its_time_runs_out(imports, monkeypatch):
    # chalice's test context gives a Lambda 3 s: less than the reserve, so
    # every chunk ends with a hand-over through the import queue
    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    data = b"email\n" + b"".join(b"p%d@example.com\n" % i for i in range(7))
    status = imports.run(data)
    assert status["status"] == "done" and counts(status, rows_read=7, created=7)
    assert status["bytes_read"] == status["bytes_total"] == len(data)
    # S3's test event (sent when the notification was set up), the object
    # event and three hand-overs
    assert len(imports.worker_answers) == 5


def test_opt_in_mails_are_paced_to_the_playbooks_send_rate(imports, services, monkeypatch):
    monkeypatch.setattr(service, "CHUNK_ROWS", 25)
    delays = []
    real_send = ImportQueue.send

    def send(queue, import_id, delay_seconds=0):
        delays.append(delay_seconds)
        return real_send(queue, import_id, 0)  # the test does not wait

    monkeypatch.setattr(ImportQueue, "send", send)
    rate = services.playbook.nurture.sending.max_per_second
    data = b"email\n" + b"".join(b"p%02d@example.com\n" % i for i in range(60))
    status = imports.run(data, consent_mode="double_opt_in")
    assert counts(status, rows_read=60, created=60)
    assert delays == [-(-25 // rate)] * 2 == [3, 3]


class Throttling:
    """A DynamoDB client whose BatchWriteItem is throttled once, then leaves
    half of each request unprocessed once, as DynamoDB does under load."""

    def __init__(self, real):
        self.real = real
        self.calls = 0

    def batch_write_item(self, RequestItems):
        self.calls += 1
        if self.calls == 1:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "BatchWriteItem"
            )
        [(table, requests)] = RequestItems.items()
        if self.calls == 2 and len(requests) > 1:
            half = len(requests) // 2
            self.real.batch_write_item(RequestItems={table: requests[:half]})
            return {"UnprocessedItems": {table: requests[half:]}}
        return self.real.batch_write_item(RequestItems=RequestItems)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_throttled_and_unprocessed_batch_writes_are_retried_with_backoff(imports, services, aws):
    sleeps = []
    client = Throttling(boto3.client("dynamodb", region_name=REGION))
    services.import_store = ImportStore(client, Backoff(sleeps.append))
    status = imports.run(evidence_rows(30), consent_mode="evidence")
    assert status["status"] == "done" and counts(status, rows_read=30, created=30), status
    assert len([i for i in lead_items(aws) if i["sk"]["S"] == "LEAD"]) == 30
    assert len([i for i in lead_items(aws) if i["sk"]["S"].startswith("CONSENT#")]) == 30
    assert sleeps[:2] == [0.05, 0.1]


def test_backoff_doubles_up_to_its_cap_and_then_gives_up(aws):
    sleeps = []

    class Throttled:
        def batch_write_item(self, RequestItems):
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "no"}}, "BatchWriteItem")

    store = ImportStore(Throttled(), Backoff(sleeps.append))
    with pytest.raises(RuntimeError, match="unprocessed"):
        store.batch.put([{"pk": {"S": "X"}, "sk": {"S": "Y"}}])
    assert sleeps == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]


def test_the_s3_sample_event_names_the_import_its_object_belongs_to():
    from chalicelib.imports.consumer import import_ids

    from .test_aws_event_shapes import sample

    event = sample("s3/powertools-s3-event.json")
    assert import_ids(json.dumps(event)) == []  # not an import file
    event["Records"][0]["s3"]["object"]["key"] = "imports/20261123T090000Z-abcd1234.csv"
    assert import_ids(json.dumps(event)) == ["20261123T090000Z-abcd1234"]
    event["Records"][0]["s3"]["object"]["key"] = "imports%2F20261123T090000Z-abcd1234.csv"  # as moto encodes it
    assert import_ids(json.dumps(event)) == ["20261123T090000Z-abcd1234"]
    assert import_ids(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []
    with pytest.raises(ValueError):
        import_ids(json.dumps({"something": "else"}))
