"""The stream handler on records it cannot use: AWS's published samples, a
KEYS_ONLY record, a record that does not decode in the middle of good ones.
None of them fails the batch; an undecodable one is reported by its own
sequence number, and the records of other leads around it are handled."""

import copy
import json
import logging

from .conftest import submit
from .test_aws_event_shapes import sample


def invoke(client, event):
    return client.lambda_.invoke("on_table_change", event).payload


def test_the_documented_modify_sample_is_handled_without_failure(client):
    # a lead item without a lead_id attribute: the id comes from the key
    assert invoke(client, sample("dynamodb-stream/aws-documented-modify.json")) == {"batchItemFailures": []}


def test_powertools_published_sample_of_another_table_is_skipped_and_logged(client, caplog):
    event = sample("dynamodb-stream/powertools-dynamo-stream-event.json")
    with caplog.at_level(logging.INFO):
        assert invoke(client, event) == {"batchItemFailures": []}
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2 and "111" in skipped[0] and "222" in skipped[1]
    assert not any("New item!" in r.getMessage() for r in caplog.records)


def test_a_keys_only_record_is_skipped_and_logged(client, caplog):
    with caplog.at_level(logging.INFO):
        assert invoke(client, sample("dynamodb-stream/keys-only-modify.json")) == {"batchItemFailures": []}
    assert any("1200000000017454423013" in r.getMessage() and "KEYS_ONLY" in r.getMessage() for r in caplog.records)


def _broken(record, number):
    bad = copy.deepcopy(record)
    bad["dynamodb"]["SequenceNumber"] = number
    bad["dynamodb"]["NewImage"]["attempts"] = {"N": "not a number"}
    return bad


def test_an_undecodable_record_is_its_own_failure_and_later_leads_are_still_handled(client, stream, mailbox, caplog):
    assert submit(client, email="ann@example.com").status_code == 202
    assert submit(client, email="bob@example.com").status_code == 202
    records = stream.records()
    # a new lead naming its opt-in request is what the opt-in mail follows
    opt_ins = [r for r in records if r["dynamodb"]["Keys"]["sk"]["S"] == "LEAD"]
    assert len(opt_ins) == 2
    broken = _broken(opt_ins[0], "1")  # sorts before every real sequence number
    batch = [broken, *records]
    with caplog.at_level(logging.INFO):
        result = invoke(client, {"Records": batch})
    assert result == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    # both leads' opt-in mails went out: nothing was parked behind the bad record
    assert sorted(m.destinations[0] for m in mailbox.messages()) == [
        "ann@example.com",
        "bob@example.com",
    ]
    logged = " ".join(r.getMessage() for r in caplog.records if "cannot be decoded" in r.getMessage())
    assert "1" in logged and "ann@example.com" not in logged and "not a number" not in logged
    # redelivered from the reported record on: the bad one again, nothing twice
    assert invoke(client, {"Records": batch}) == result
    assert len(mailbox.messages()) == 2


def test_records_without_keys_or_event_name_do_not_fail_the_batch(client):
    good = sample("dynamodb-stream/aws-documented-modify.json")["Records"][0]
    no_keys = copy.deepcopy(good)
    del no_keys["dynamodb"]["Keys"]
    no_keys["dynamodb"]["SequenceNumber"] = "5"
    odd_event = copy.deepcopy(good) | {"eventName": "UPSERT"}
    odd_event["dynamodb"]["SequenceNumber"] = "6"
    result = invoke(client, {"Records": [no_keys, odd_event, json.loads(json.dumps(good))]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "5"}, {"itemIdentifier": "6"}]}
