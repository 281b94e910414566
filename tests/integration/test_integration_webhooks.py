"""Outbound CRM webhooks: lead.confirmed, lead.stage_changed, lead.unsubscribed,
signed, through their own queue: the stream only enqueues, the webhook
consumer posts each attempt once, retries back off over the playbook's window
in delayed messages, and a final failure is recorded and can be re-sent."""

import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import urlsplit

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import unix_time_millis
from moto.sqs.models import sqs_backends

from chalicelib.clock import iso
from chalicelib.integrations.outbound import CLAIM_LEASE
from chalicelib.playbook.integrations import Integrations, WebhookDelivery, WebhookSubscription
from chalicelib.routing.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from infra.local.pump import sqs_record

from .conftest import ADMIN, REGION, submit
from .test_routing_flow import Hook, hook  # noqa: F401  (the receiver fixture)
from .test_scoring_flow import GOOD_FIT, confirmed_lead, send_event

SECRET = "crm-webhook-secret-123"
QUEUE = "leadflow-webhooks"


class WebhookQueue:
    """Delivers the webhook queue's messages to `deliver_webhooks` like Lambda
    does; `skip_delays` lets delayed retries come due at once."""

    def __init__(self, client):
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.url = self.sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        self.client = client

    def _messages(self):
        return sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues[QUEUE]._messages

    def delays(self):
        """The delay in seconds of each message still waiting, oldest first."""
        now = unix_time_millis()
        return [round((m.delayed_until - now) / 1000) for m in self._messages() if m.delayed]

    def skip_delays(self):
        for message in self._messages():
            message.delayed_until = 0

    def receive(self):
        messages = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=3, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return [sqs_record(m, f"arn:aws:sqs:{REGION}:123456789012:{QUEUE}", REGION) for m in messages]

    def deliver(self, records):
        return self.client.lambda_.invoke("deliver_webhooks", {"Records": records}).payload

    def pump(self):
        """Deliver every message that is due (not delayed) until none is left."""
        delivered = []
        while records := self.receive():
            assert self.deliver(records) == {"batchItemFailures": []}
            for record in records:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])
            delivered += records
        return delivered


@pytest.fixture
def webhooks(client):
    return WebhookQueue(client)


@pytest.fixture
def subscribed(services, hook):
    def subscribe(*events, include_profile=False, **delivery):
        subscription = WebhookSubscription(url=hook, events=events, secret=SECRET, include_profile=include_profile)
        services.playbook = services.playbook.model_copy(
            update={"integrations": Integrations(webhooks=(subscription,), delivery=WebhookDelivery(**delivery))}
        )

    return subscribe


def posted():
    return [(headers, json.loads(body), body) for headers, body in Hook.calls]


def deliveries(client, lead_id):
    return client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body["webhook_deliveries"]


def unsubscribe(client, services, lead_id):
    path = urlsplit(services.unsubscribe.link(lead_id).url).path
    answer = client.http.post(
        path, body="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 200


def test_the_stream_only_enqueues_and_the_webhook_consumer_posts(client, stream, mailbox, subscribed, webhooks):
    Hook.status = 200
    subscribed("lead.confirmed", "lead.stage_changed")
    confirmed_lead(client, stream, mailbox, email="queued@acme.example", **GOOD_FIT)

    assert Hook.calls == []  # nothing posted while the stream was handled
    assert len(webhooks.pump()) == 2  # lead.confirmed, stage subscriber -> lead
    assert sorted(p["type"] for _, p, _ in posted()) == ["lead.confirmed", "lead.stage_changed"]


def test_confirmation_and_stage_changes_are_posted_signed_and_without_personal_data(
    client, stream, mailbox, subscribed, webhooks
):
    Hook.status = 200
    subscribed("lead.confirmed", "lead.stage_changed")
    lead_id, token = confirmed_lead(client, stream, mailbox, email="crm@acme.example", **GOOD_FIT)
    assert send_event(client, token, type="demo_request").status_code == 202
    stream.pump()
    webhooks.pump()

    types = [payload["type"] for _, payload, _ in posted()]
    assert types.count("lead.confirmed") == 1 and types.count("lead.stage_changed") >= 2  # ->lead, ->sql
    for headers, payload, body in posted():
        expected = hmac.new(
            SECRET.encode(), f"{headers[TIMESTAMP_HEADER]}.".encode() + body, hashlib.sha256
        ).hexdigest()
        assert headers[SIGNATURE_HEADER] == f"v1={expected}" and payload["lead_id"] == lead_id
        assert b"crm@acme.example" not in body and payload["id"]
    sql = [p for _, p, _ in posted() if p["type"] == "lead.stage_changed" and p["data"]["to"] == "sql"]
    assert len(sql) == 1
    assert {d["status"] for d in deliveries(client, lead_id)} == {"delivered"}


def test_a_redelivered_stream_batch_posts_nothing_again(client, stream, mailbox, subscribed, webhooks):
    Hook.status = 200
    subscribed("lead.confirmed")
    assert submit(client, email="once@acme.example").status_code == 202
    stream.pump()
    assert client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}").status_code == 303
    records = stream.records()  # the confirmation's changes
    assert stream.deliver(records) == {"batchItemFailures": []}
    assert stream.deliver(records) == {"batchItemFailures": []}  # Lambda retrying the same batch
    webhooks.pump()
    assert stream.deliver(records) == {"batchItemFailures": []}  # and again once it was posted
    webhooks.pump()
    assert [p["type"] for _, p, _ in posted()] == ["lead.confirmed"]


def test_a_redelivered_queue_message_posts_once(client, stream, mailbox, subscribed, webhooks):
    Hook.status = 200
    subscribed("lead.confirmed")
    confirmed_lead(client, stream, mailbox, email="twice@acme.example")
    records = webhooks.receive()
    assert webhooks.deliver(records) == {"batchItemFailures": []}
    assert webhooks.deliver(records) == {"batchItemFailures": []}  # SQS handing the message out again
    assert len(Hook.calls) == 1


def test_a_failing_receiver_is_retried_with_growing_delays_until_the_window_ends_then_recorded(
    client, stream, mailbox, services, subscribed, webhooks, clock
):
    Hook.status = 500
    subscribed("lead.unsubscribed", include_profile=True, first_retry_seconds=60, max_retry_seconds=240, retry_hours=1)
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="leaver@acme.example")
    unsubscribe(client, services, lead_id)
    stream.pump()  # the batch succeeds although the receiver fails

    delays = []
    while webhooks.pump() or webhooks.delays():
        delays += webhooks.delays()
        clock.advance(max(webhooks.delays(), default=0))
        webhooks.skip_delays()
    # doubling from 60 s, capped at 240 s, while within the hour
    assert delays == [60, 120] + [240] * 14  # attempts at 0, 60, 180, 420, ... 3540 s; 3780 s is past the hour
    attempts = len(delays) + 1
    assert [p["type"] for _, p, _ in posted()] == ["lead.unsubscribed"] * attempts
    assert posted()[0][1]["lead"]["email"] == "leaver@acme.example"  # this subscription asked for the profile
    [delivery] = deliveries(client, lead_id)
    assert (delivery["status"], delivery["attempts"], delivery["error"]) == ("failed", attempts, "HTTP 500")


def test_a_failed_delivery_can_be_resent_from_the_admin_api(client, stream, mailbox, services, subscribed, webhooks):
    Hook.status = 410  # the receiver refuses: no retries
    subscribed("lead.unsubscribed")
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="resend@acme.example")
    unsubscribe(client, services, lead_id)
    stream.pump()
    webhooks.pump()
    [failed] = deliveries(client, lead_id)
    assert (failed["status"], failed["attempts"], webhooks.delays()) == ("failed", 1, [])

    Hook.status = 200
    resend = client.http.post(f"/webhooks/deliveries/{failed['delivery_id']}/resend", headers=ADMIN)
    assert resend.status_code == 202 and resend.json_body["status"] == "queued"
    webhooks.pump()
    [delivery] = deliveries(client, lead_id)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    assert [p["id"] for _, p, _ in posted()] == [failed["event_id"]] * 2  # the same event id both times

    again = client.http.post(f"/webhooks/deliveries/{failed['delivery_id']}/resend", headers=ADMIN)
    assert again.status_code == 409 and "delivered" in again.json_body["errors"]["delivery_id"]
    unknown = f"{lead_id}.{'0' * 32}.{'0' * 12}"
    assert client.http.post(f"/webhooks/deliveries/{unknown}/resend", headers=ADMIN).status_code == 404
    assert client.http.post("/webhooks/deliveries/not-an-id/resend", headers=ADMIN).status_code == 404
    assert client.http.post(f"/webhooks/deliveries/{unknown}/resend").status_code == 401


def test_a_wait_longer_than_an_sqs_delay_travels_in_hops_and_posts_only_when_due(
    client, stream, mailbox, services, subscribed, webhooks, clock
):
    Hook.status = 503
    subscribed("lead.unsubscribed", first_retry_seconds=2000, max_retry_seconds=2000)
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="hops@acme.example")
    unsubscribe(client, services, lead_id)
    stream.pump()
    webhooks.pump()
    assert len(Hook.calls) == 1 and webhooks.delays() == [900]  # SQS's longest delay

    for remaining in (1100, 200):  # early arrivals wait again, posting nothing
        clock.advance(900)
        webhooks.skip_delays()
        webhooks.pump()
        assert len(Hook.calls) == 1 and webhooks.delays() == [min(900, remaining)]
    clock.advance(200)
    webhooks.skip_delays()
    webhooks.pump()
    assert len(Hook.calls) == 2


def test_an_attempt_left_by_a_crashed_consumer_is_posted_again_after_its_lease(
    client, stream, mailbox, services, subscribed, webhooks, clock
):
    Hook.status = 200
    subscribed("lead.confirmed")
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="crash@acme.example")
    [delivery] = deliveries(client, lead_id)
    # a consumer claimed attempt 1 and died before posting
    assert services.outbound._store.claim(delivery["delivery_id"], 1, iso(clock.now()), iso(clock.now()))
    records = webhooks.receive()
    assert webhooks.deliver(records) == {"batchItemFailures": []}
    assert Hook.calls == []  # within the lease it is somebody's work in progress
    clock.advance((CLAIM_LEASE + timedelta(seconds=1)).total_seconds())
    assert webhooks.deliver(records) == {"batchItemFailures": []}  # SQS hands the message out again
    assert len(Hook.calls) == 1 and deliveries(client, lead_id)[0]["status"] == "delivered"


def test_an_unreadable_webhook_message_is_reported_alone_for_the_dead_letter_queue(client, services, webhooks, hook):
    webhooks.sqs.send_message(QueueUrl=webhooks.url, MessageBody='{"attempt": "one"}')
    gone = f"{'a' * 26}.{'0' * 32}.{'0' * 12}"  # readable; its lead was erased meanwhile
    webhooks.sqs.send_message(QueueUrl=webhooks.url, MessageBody=json.dumps({"delivery_id": gone, "attempt": 1}))
    records = webhooks.receive()
    unreadable = [r["messageId"] for r in records if "delivery_id" not in r["body"]]
    assert len(records) == 2 and webhooks.deliver(records) == {"batchItemFailures": [{"itemIdentifier": unreadable[0]}]}
    assert Hook.calls == []
