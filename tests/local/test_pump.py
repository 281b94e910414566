"""The pump against a tiny Chalice app of its own that declares a stream, an
SQS and a scheduled handler, on the fixture template's resources."""

import json
import time
from datetime import UTC, datetime

import pytest
from chalice import Chalice

from chalicelib.clock import FixedClock
from infra.local.pump import EventPump

from .conftest import REGION, client

ACCOUNT = "123456789012"
WAIT = 20  # seconds a drain may take at most (never reached when green)


def make_app():
    app = Chalice(app_name="pumptest")
    app.seen = {"stream": [], "work": [], "tick": []}

    @app.on_dynamodb_record(
        stream_arn="arn:aws:dynamodb:eu-central-1:000000000000:table/fixture/stream/x", batch_size=10
    )
    def on_change(event):
        failures = []
        for record in event:
            key = record.keys["pk"]["S"]
            app.seen["stream"].append(key)
            if key.startswith("fail"):
                failures.append({"itemIdentifier": record.sequence_number})
                break
        return {"batchItemFailures": failures}

    @app.on_sqs_message(queue="fixture-work", batch_size=5)
    def on_work(event):
        app.seen["work"].extend(r.body for r in event)
        return {"batchItemFailures": [{"itemIdentifier": r.to_dict()["messageId"]} for r in event if r.body == "fail"]}

    @app.schedule("rate(5 minutes)")
    def tick(event):
        app.seen["tick"].append(event.to_dict()["time"])

    return app


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def pump(deployment, clock):
    app = make_app()
    built = EventPump(
        app,
        client,
        clock,
        deployment,
        REGION,
        ACCOUNT,
        on_failure_queue_url=deployment["StreamFailureQueue"].url,
        stream_retries=2,
    )
    built.app = app
    built.start()
    yield built
    built.stop()


def put(pk):
    client("dynamodb").put_item(TableName="fixture", Item={"pk": {"S": pk}, "sk": {"S": "x"}})


def test_handlers_are_discovered_from_the_app(pump):
    assert sorted(s.name for s in pump.sources) == ["on_change", "on_work"]
    assert list(pump.jobs) == ["tick"] and pump.ignored == []


def test_a_failing_stream_record_is_retried_then_parked_and_the_shard_moves_on(pump, deployment):
    for pk in ("a", "fail-b", "c"):
        put(pk)
    assert pump.drain(WAIT)

    # a delivered, then fail-b three times (first try + 2 retries), then c
    assert pump.app.seen["stream"] == ["a", "fail-b", "fail-b", "fail-b", "c"]
    [parked] = client("sqs").receive_message(QueueUrl=deployment["StreamFailureQueue"].url)["Messages"]
    info = json.loads(parked["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["requestContext"]["approximateInvokeCount"] == 3
    assert info["DDBStreamBatchInfo"]["streamArn"] == deployment["Table"].stream_arn
    assert info["DDBStreamBatchInfo"]["batchSize"] == 1


def test_a_failing_sqs_message_reaches_the_dlq_after_max_receive_count(pump, deployment):
    sqs = client("sqs")
    sqs.send_message(QueueUrl=deployment["Work"].url, MessageBody="ok")
    sqs.send_message(QueueUrl=deployment["Work"].url, MessageBody="fail")
    assert pump.drain(WAIT)

    assert pump.app.seen["work"].count("ok") == 1  # deleted once it succeeded
    assert pump.app.seen["work"].count("fail") == 2  # maxReceiveCount in the fixture
    [dead] = sqs.receive_message(QueueUrl=deployment["WorkDlq"].url)["Messages"]
    assert dead["Body"] == "fail"


def test_a_schedule_fires_when_its_time_comes_on_the_clock(pump, clock):
    assert pump.run_due_jobs() is False
    clock.advance(5 * 60)
    assert pump.run_due_jobs() is True
    assert pump.app.seen["tick"][-1] == "2026-11-23T09:05:00Z"
    assert pump.jobs["tick"].next_run == datetime(2026, 11, 23, 9, 10, tzinfo=UTC)


def test_a_handler_that_raises_is_logged_with_its_event_and_the_pump_goes_on(deployment, clock, caplog):
    app = Chalice(app_name="raising")
    handled = []

    @app.on_sqs_message(queue="fixture-work")
    def explode(event):
        body = next(iter(event)).body
        if body == "boom":
            raise RuntimeError("boom")
        handled.append(body)

    pump = EventPump(app, client, clock, deployment, REGION, ACCOUNT)
    pump.start()
    try:
        client("sqs").send_message(QueueUrl=deployment["Work"].url, MessageBody="boom")
        client("sqs").send_message(QueueUrl=deployment["Work"].url, MessageBody="fine")
        assert pump.drain(WAIT)
    finally:
        pump.stop()
    assert handled == ["fine"]
    assert any(
        "handler explode raised on event" in r.getMessage() and '"body": "boom"' in r.getMessage()
        for r in caplog.records
    )


@pytest.fixture
def calls(monkeypatch):
    """The AWS operations made, by name, while the test runs."""
    import botocore.client

    made = []
    real_call = botocore.client.BaseClient._make_api_call

    def counted(client_, operation, params):
        made.append(operation)
        return real_call(client_, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return made


def test_an_idle_pump_sleeps_until_a_write_or_a_message_wakes_it(deployment, clock, calls):
    app = make_app()
    # the stream source would look again only after a minute: what it
    # delivers sooner, a table write woke it for
    pump = EventPump(app, client, clock, deployment, REGION, ACCOUNT, wait_seconds=60)
    pump.start()
    try:
        assert pump.drain(WAIT)
        calls.clear()
        time.sleep(1)  # idle
        idle = list(calls)
        put("woken")
        client("sqs").send_message(QueueUrl=deployment["Work"].url, MessageBody="also woken")
        assert pump.drain(WAIT)
    finally:
        pump.stop()
    # no stream reads and no queue polling in a loop: one long poll at most
    assert "GetRecords" not in idle and "DescribeStream" not in idle
    assert idle.count("ReceiveMessage") <= 1
    assert app.seen["stream"] == ["woken"] and app.seen["work"] == ["also woken"]
