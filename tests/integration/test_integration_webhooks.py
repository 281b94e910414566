"""Outbound CRM webhooks: lead.confirmed, lead.stage_changed, lead.unsubscribed,
signed, once per event and URL, failures recorded and visible."""

import hashlib
import hmac
import json
from urllib.parse import urlsplit

import pytest

from chalicelib.playbook.integrations import Integrations, WebhookSubscription
from chalicelib.routing.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER

from .conftest import ADMIN, submit
from .test_routing_flow import Hook, hook  # noqa: F401  (the receiver fixture)
from .test_scoring_flow import GOOD_FIT, confirmed_lead, send_event

SECRET = "crm-webhook-secret-123"


@pytest.fixture
def subscribed(services, hook):
    def subscribe(*events, include_profile=False):
        subscription = WebhookSubscription(url=hook, events=events, secret=SECRET, include_profile=include_profile)
        delivery = services.playbook.integrations.delivery.model_copy(update={"backoff_seconds": 0})
        services.playbook = services.playbook.model_copy(
            update={"integrations": Integrations(webhooks=(subscription,), delivery=delivery)}
        )

    return subscribe


def posted():
    return [(headers, json.loads(body), body) for headers, body in Hook.calls]


def test_confirmation_and_stage_changes_are_posted_signed_and_without_personal_data(
    client, stream, mailbox, subscribed
):
    Hook.status = 200
    subscribed("lead.confirmed", "lead.stage_changed")
    lead_id, token = confirmed_lead(client, stream, mailbox, email="crm@acme.example", **GOOD_FIT)
    assert send_event(client, token, type="demo_request").status_code == 202
    stream.pump()

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


def test_a_redelivered_stream_batch_posts_nothing_again(client, stream, mailbox, subscribed):
    Hook.status = 200
    subscribed("lead.confirmed")
    assert submit(client, email="once@acme.example").status_code == 202
    stream.pump()
    assert client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}").status_code == 303
    records = stream.records()  # the confirmation's changes
    assert stream.deliver(records) == {"batchItemFailures": []}
    assert stream.deliver(records) == {"batchItemFailures": []}  # Lambda retrying the same batch
    assert [p["type"] for _, p, _ in posted()] == ["lead.confirmed"]


def test_unsubscribing_is_posted_and_a_failing_receiver_is_retried_and_recorded(
    client, stream, mailbox, services, subscribed
):
    Hook.status = 500
    subscribed("lead.unsubscribed", include_profile=True)
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="leaver@acme.example")
    path = urlsplit(services.unsubscribe.link(lead_id).url).path
    assert (
        client.http.post(
            path, body="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ).status_code
        == 200
    )
    stream.pump()  # the batch succeeds although the receiver fails

    attempts = services.playbook.integrations.delivery.attempts
    assert len(Hook.calls) == attempts
    assert [p["type"] for _, p, _ in posted()] == ["lead.unsubscribed"] * attempts
    assert posted()[0][1]["lead"]["email"] == "leaver@acme.example"  # this subscription asked for the profile
    [delivery] = client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body["webhook_deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["error"]) == ("failed", attempts, "HTTP 500")
    stream.pump()
    assert len(Hook.calls) == attempts
