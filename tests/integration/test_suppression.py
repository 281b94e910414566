"""SES bounces and complaints (SNS in SQS, samples in events/ses/) stop all
mail to the address, once, whatever SQS redelivers."""

import copy
import json
from datetime import datetime, timedelta

from chalicelib.consent.permission import MARKETING, may_mail
from chalicelib.suppression.service import address_key

from .conftest import ADMIN, stored_items, submit
from .test_aws_event_shapes import sample


def record(name, sqs_id, recipient=None, ses_id=None, at=None):
    """A record of the sample `events/ses/<name>.json`, with its own SQS
    message id (and, if given, recipient, SES message id and time)."""
    rec = copy.deepcopy(sample(f"ses/{name}.json")["Records"][0])
    envelope = json.loads(rec["body"])
    event = json.loads(envelope["Message"])
    part = event[{"Bounce": "bounce", "Complaint": "complaint", "Delivery": "delivery"}[event["eventType"]]]
    if recipient:
        for entry in part.get("bouncedRecipients", []) + part.get("complainedRecipients", []):
            entry["emailAddress"] = recipient
    if ses_id:
        event["mail"]["messageId"] = ses_id
    if at:
        part["timestamp"] = at
    envelope["Message"] = json.dumps(event)
    rec["body"] = json.dumps(envelope)
    rec["messageId"] = sqs_id
    return rec


def deliver(client, *records):
    return client.lambda_.invoke("on_ses_event", {"Records": list(records)}).payload


def lead(client, email="ann@example.com"):
    leads = client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"]
    return leads[0] if leads else None


def confirmed_lead(client, stream, mailbox):
    submit(client)
    stream.pump()
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}")
    return lead(client)


def suppression_entries(aws):
    return [i for i in stored_items(aws) if i["pk"]["S"].startswith("SUPPRESS#") and i["sk"]["S"] == "SUPPRESS"]


def test_the_samples_have_the_shape_of_lambdas_sqs_records(client):
    generated = client.events.generate_sqs_event(message_bodies=["x"], queue_name="leadflow-ses-events")
    for name in ("bounce-permanent", "bounce-transient", "complaint", "delivery"):
        [rec] = sample(f"ses/{name}.json")["Records"]
        assert set(rec) == set(generated["Records"][0])
        assert json.loads(rec["body"])["Type"] == "Notification"


def test_a_hard_bounce_suppresses_lead_and_address_at_once(client, stream, mailbox, services, aws):
    ann = confirmed_lead(client, stream, mailbox)
    assert deliver(client, record("bounce-permanent", "m1")) == {"batchItemFailures": []}

    ann = lead(client)
    assert ann["suppressed"] is True and ann["suppressed_reason"] == "hard_bounce"
    assert [a["data"] for a in ann["activities"] if a["type"] == "suppressed"] == [{"reason": "hard_bounce"}]
    assert not may_mail(services.leads.get(ann["lead_id"]), MARKETING)
    [entry] = suppression_entries(aws)
    assert entry["pk"]["S"] == "SUPPRESS#" + address_key(services.secrets.lead_key, "ann@example.com")
    assert "example" not in json.dumps(entry) and entry["reason"]["S"] == "hard_bounce"


def test_a_complaint_suppresses_at_once(client, stream, mailbox, services, aws):
    confirmed_lead(client, stream, mailbox)
    assert deliver(client, record("complaint", "m1")) == {"batchItemFailures": []}
    assert lead(client)["suppressed_reason"] == "complaint"
    assert len(suppression_entries(aws)) == 1


def test_a_redelivered_notification_changes_nothing(client, stream, mailbox, aws):
    confirmed_lead(client, stream, mailbox)
    deliver(client, record("bounce-permanent", "m1"))
    after_first = stored_items(aws)
    assert deliver(client, record("bounce-permanent", "m1")) == {"batchItemFailures": []}
    assert stored_items(aws) == after_first  # not even a reputation counter moved
    # SNS may also deliver one notification twice, as two SQS messages
    assert deliver(client, record("bounce-permanent", "m2"), record("complaint", "m3")) == {"batchItemFailures": []}
    # the complaint is about another mail: a new fact for the reputation
    # counters only; the address is suppressed already
    assert without_counters(stored_items(aws)) == without_counters(after_first)


def without_counters(items):
    return [i for i in items if not i["pk"]["S"].startswith("REPUTATION")]


def test_delivery_notices_are_not_bounces(client, stream, mailbox, aws):
    confirmed_lead(client, stream, mailbox)
    before = stored_items(aws)
    assert deliver(client, record("delivery", "m1")) == {"batchItemFailures": []}
    assert stored_items(aws) == before


def test_a_bounced_address_gets_no_opt_in_mail_when_it_signs_up_again(client, stream, mailbox, clock):
    submit(client)
    stream.pump()
    assert deliver(client, record("bounce-permanent", "m1")) == {"batchItemFailures": []}
    clock.advance(3600)
    response = submit(client)
    assert response.status_code == 202 and response.json_body == {"status": "pending_confirmation"}
    stream.pump()
    assert len(mailbox.messages()) == 1
    assert [m.get("skipped") for m in lead(client)["opt_in_mails"]] == [None, "suppressed"]


def test_the_suppression_entry_outlives_an_erased_lead(client, stream, mailbox, services, clock):
    ann = confirmed_lead(client, stream, mailbox)
    deliver(client, record("complaint", "m1"))
    for item in services.leads.items(ann["lead_id"]):  # what an erasure does to the partition
        item.delete()
    stream.pump()
    clock.advance(3600)
    assert submit(client).status_code == 202
    stream.pump()
    assert len(mailbox.messages()) == 1
    fresh = lead(client)
    assert fresh["suppressed"] is False and fresh["opt_in_mails"][0]["skipped"] == "suppressed"


def test_an_address_without_a_lead_is_suppressed_before_it_signs_up(client, stream, mailbox):
    deliver(client, record("bounce-permanent", "m1", recipient="Bob@Example.com"))
    assert submit(client, email="bob@example.com").status_code == 202
    stream.pump()
    assert mailbox.messages() == []


def soft(n, at):
    return record("bounce-transient", f"sqs-{n}", ses_id=f"ses-{n}", at=at.isoformat().replace("+00:00", "Z"))


def test_soft_bounces_suppress_only_at_the_threshold_within_the_window(client, stream, mailbox, services):
    confirmed_lead(client, stream, mailbox)
    now = datetime.fromisoformat("2026-11-23T12:00:00+00:00")
    rules = services.playbook.suppression
    assert (rules.soft_bounce_threshold, rules.soft_bounce_window_days) == (3, 30)
    deliver(client, soft(1, now - timedelta(days=31)), soft(2, now - timedelta(days=2)))
    deliver(client, soft(3, now))
    assert lead(client)["suppressed"] is False  # the first is outside the 30 days: 2 of 3
    deliver(
        client, soft(3, now), record("bounce-transient", "sqs-3-again", ses_id="ses-3", at="2026-11-23T12:00:00.000Z")
    )
    assert lead(client)["suppressed"] is False  # the same SES message counts once
    deliver(client, soft(4, now + timedelta(hours=1)))
    ann = lead(client)
    assert ann["suppressed"] is True and ann["suppressed_reason"] == "soft_bounces"


def test_one_bad_message_in_a_batch_is_the_only_failure(client, stream, mailbox, aws):
    confirmed_lead(client, stream, mailbox)
    bad = record("complaint", "bad-1")
    bad["body"] = json.dumps({"Type": "Notification", "Message": "{not json"})
    payload = deliver(client, record("delivery", "ok-1"), bad, record("bounce-permanent", "ok-2"))
    assert payload == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
    assert lead(client)["suppressed_reason"] == "hard_bounce"
