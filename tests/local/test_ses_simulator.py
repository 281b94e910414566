"""The SES mailbox simulator and the mailbox, on the embedded moto server
(the SES tap sits in its request path) with the fixture template."""

import json
from datetime import UTC, datetime
from email.message import EmailMessage

import boto3
import pytest
import requests

from chalicelib.clock import FixedClock
from infra.local.aws import EmbeddedAws
from infra.local.mailbox import Mailbox
from infra.local.ses_simulator import SesSimulator
from infra.resources import create_resources

from .conftest import REGION

ACCOUNT = "123456789012"
SENDER = "hello@leadflow.test"


@pytest.fixture
def embedded(template):
    hooks = []
    aws = EmbeddedAws(lambda sent: [hook(sent) for hook in hooks])
    aws.start()
    requests.post(f"{aws.url}/moto-api/reset", timeout=10)

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=aws.url)

    deployment = create_resources(client, template, region=REGION, account=ACCOUNT)
    mailbox = Mailbox(ACCOUNT, REGION)
    simulator = SesSimulator(mailbox, client, FixedClock(datetime(2026, 11, 23, 9, tzinfo=UTC)), REGION, ACCOUNT)
    hooks += [mailbox.record, simulator.observe]
    yield client, deployment, mailbox, simulator
    requests.post(f"{aws.url}/moto-api/reset", timeout=10)
    aws.stop()


def send(client, to, **kwargs):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = f"Leadflow <{SENDER}>", to, "Hello"
    message.set_content("Text part http://127.0.0.1/confirm/abc")
    message.add_alternative("<p>HTML part</p>", subtype="html")
    return client("ses").send_raw_email(
        Source=SENDER, Destinations=[to], RawMessage={"Data": message.as_bytes()}, **kwargs
    )["MessageId"]


def test_bounce_and_complaint_publish_ses_events_to_the_configuration_sets_topic(embedded):
    client, deployment, mailbox, simulator = embedded
    tags = [{"Name": "kind", "Value": "opt_in"}]
    bounced = send(client, "bounce@simulator.amazonses.com", ConfigurationSetName="fixture-mail", Tags=tags)
    complained = send(client, "complaint@simulator.amazonses.com", ConfigurationSetName="fixture-mail", Tags=tags)
    send(client, "ann@example.com", ConfigurationSetName="fixture-mail", Tags=tags)
    assert simulator.poll() is True

    received = client("sqs").receive_message(QueueUrl=deployment["EventsQueue"].url, MaxNumberOfMessages=10)
    events = {e["eventType"]: e for e in (json.loads(m["Body"]) for m in received["Messages"])}
    assert set(events) == {"Bounce", "Complaint"}  # nothing for the ordinary address

    bounce = events["Bounce"]
    assert bounce["mail"]["messageId"] == bounced
    assert bounce["mail"]["destination"] == ["bounce@simulator.amazonses.com"]
    assert bounce["mail"]["tags"]["kind"] == ["opt_in"]
    assert bounce["mail"]["tags"]["ses:configuration-set"] == ["fixture-mail"]
    assert bounce["bounce"]["bounceType"] == "Permanent"
    assert bounce["bounce"]["bouncedRecipients"][0]["emailAddress"] == "bounce@simulator.amazonses.com"

    complaint = events["Complaint"]
    assert complaint["mail"]["messageId"] == complained
    assert complaint["complaint"]["complainedRecipients"] == [{"emailAddress": "complaint@simulator.amazonses.com"}]
    assert complaint["complaint"]["complaintFeedbackType"] == "abuse"


def test_labelled_simulator_addresses_bounce_and_complain_each_for_its_own_recipient(embedded):
    client, deployment, _mailbox, simulator = embedded
    tags = [{"Name": "kind", "Value": "nurture"}, {"Name": "sequence", "Value": "welcome"}]
    for to in (
        "bounce+a@simulator.amazonses.com",
        "Bounce+b@simulator.amazonses.com",
        "complaint+c@simulator.amazonses.com",
    ):
        send(client, to, ConfigurationSetName="fixture-mail", Tags=tags)
    send(client, "bounce+x@example.com", ConfigurationSetName="fixture-mail", Tags=tags)  # not the simulator
    send(client, "success+d@simulator.amazonses.com", ConfigurationSetName="fixture-mail", Tags=tags)
    assert simulator.poll() is True

    queue = deployment["EventsQueue"].url
    received = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    events = [json.loads(m["Body"]) for m in received]
    recipients = {
        (e["eventType"], r["emailAddress"])
        for e in events
        for r in e.get("bounce", {}).get("bouncedRecipients", [])
        + e.get("complaint", {}).get("complainedRecipients", [])
    }
    assert recipients == {
        ("Bounce", "bounce+a@simulator.amazonses.com"),
        ("Bounce", "bounce+b@simulator.amazonses.com"),
        ("Complaint", "complaint+c@simulator.amazonses.com"),
    }
    assert {e["mail"]["tags"]["sequence"][0] for e in events} == {"welcome"}


def test_mailbox_shows_the_full_message_with_what_ses_was_told(embedded):
    client, _deployment, mailbox, _simulator = embedded
    message_id = send(
        client, "ann@example.com", ConfigurationSetName="fixture-mail", Tags=[{"Name": "kind", "Value": "opt_in"}]
    )
    [message] = mailbox.messages()
    assert message["id"] == message_id
    assert message["to"] == ["ann@example.com"]
    assert message["from"] == SENDER and message["subject"] == "Hello"
    assert message["text"].startswith("Text part") and message["html"].startswith("<p>HTML part")
    assert message["headers"]["To"] == "ann@example.com"
    assert "multipart/alternative" in message["raw"]
    assert message["configuration_set"] == "fixture-mail" and message["tags"] == {"kind": "opt_in"}
    assert mailbox.messages(to="nobody@example.com") == []
