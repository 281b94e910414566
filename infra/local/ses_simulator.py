"""SES's mailbox simulator, locally: a message sent to
bounce@simulator.amazonses.com or complaint@simulator.amazonses.com (also
with a label, `bounce+label@...`, as SES allows) produces
the Bounce or Complaint event SES publishes (event-publishing JSON, with
`mail.tags`) to the SNS topics of the message's configuration set that match
the event type, so suppression can be tried end to end. A message without
such a destination falls back to the app's SES-events topic, if any."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from email.utils import getaddresses, parseaddr

from chalicelib.clock import iso

from .aws import SentMail

log = logging.getLogger("local_stack.ses")

SIMULATED = {"bounce": "Bounce", "complaint": "Complaint"}
_DOMAIN = "@simulator.amazonses.com"


def simulated(recipient: str) -> str | None:
    """The event SES's simulator answers mail to this address with, if any:
    `bounce+anything@simulator.amazonses.com` is `bounce@...` with a label."""
    address = recipient.lower()
    if not address.endswith(_DOMAIN):
        return None
    return SIMULATED.get(address[: -len(_DOMAIN)].split("+", 1)[0])


def ses_event(kind: str, recipient: str, message: dict, sent: SentMail | None, at, region: str, account: str) -> dict:
    """The event SES publishes for `kind` (Bounce | Complaint) of one recipient."""
    when = iso(at)
    source = parseaddr(message["from"])[1]
    tags = {
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [source.rsplit("@", 1)[-1]],
        "ses:caller-identity": ["leadflow-local"],
    }
    if sent and sent.configuration_set:
        tags["ses:configuration-set"] = [sent.configuration_set]
    tags.update({k: [v] for k, v in (sent.tags if sent else {}).items()})
    headers = message["headers"]
    mail = {
        "timestamp": when,
        "source": message["from"],
        "sourceArn": f"arn:aws:ses:{region}:{account}:identity/{source}",
        "sendingAccountId": account,
        "messageId": message["id"],
        "destination": [parseaddr(r)[1] for r in message["to"]],
        "headersTruncated": False,
        "headers": [
            {"name": name, "value": value}
            for name, values in headers.items()
            for value in (values if isinstance(values, list) else [values])
        ],
        "commonHeaders": {
            "from": [headers.get("From", message["from"])],
            "to": [a for _, a in getaddresses([headers.get("To", "")])] or message["to"],
            "messageId": message["id"],
            "subject": message["subject"],
        },
        "tags": tags,
    }
    feedback_id = f"{uuid.uuid4().hex}-000000"
    if kind == "Bounce":
        detail = {
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": recipient,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
                "timestamp": when,
                "feedbackId": feedback_id,
                "reportingMTA": f"dsn; a1-1.smtp-out.{region}.amazonses.com",
            }
        }
    else:
        detail = {
            "complaint": {
                "complainedRecipients": [{"emailAddress": recipient}],
                "timestamp": when,
                "feedbackId": feedback_id,
                "userAgent": "Amazon SES Mailbox Simulator",
                "complaintFeedbackType": "abuse",
                "arrivalDate": when,
            }
        }
    return {"eventType": kind, "mail": mail, **detail}


class SesSimulator:
    """A pump source: publishes the events of simulated recipients."""

    name = "ses-simulator"

    def __init__(self, mailbox, client, clock, region: str, account: str, fallback_topic_arn: str | None = None):
        self._mailbox = mailbox
        self._client = client
        self._clock = clock
        self._region = region
        self._account = account
        self._fallback = fallback_topic_arn
        self._pending: list[SentMail] = []
        self._working = 0  # taken from _pending, events not published yet
        self._arrived = threading.Condition()

    def observe(self, sent: SentMail) -> None:
        with self._arrived:
            self._pending.append(sent)
            self._arrived.notify_all()

    def pending(self) -> bool:
        with self._arrived:
            return bool(self._pending or self._working)

    def wake(self) -> None:
        with self._arrived:
            self._arrived.notify_all()

    def poll(self, wait: float = 0) -> bool:
        with self._arrived:
            if not self._pending:
                self._arrived.wait(wait)
            pending, self._pending = self._pending, []
            self._working = len(pending)
        try:
            self._publish_all(pending)
        finally:
            with self._arrived:
                self._working = 0
        return bool(pending)

    def _publish_all(self, pending: list[SentMail]) -> None:
        for sent in pending:
            message = self._mailbox.message(sent.message_id)
            for recipient in (parseaddr(r)[1].lower() for r in (message or {}).get("to", [])):
                if simulated(recipient):
                    self._publish(
                        ses_event(
                            simulated(recipient),
                            recipient,
                            message,
                            sent,
                            self._clock.now(),
                            self._region,
                            self._account,
                        ),
                        sent.configuration_set,
                    )

    def _publish(self, event: dict, configuration_set: str | None) -> None:
        topics = self._topics(configuration_set, event["eventType"].lower())
        if not topics:
            log.warning("simulated %s has no SES event destination to go to", event["eventType"])
        for topic in topics:
            self._client("sns").publish(TopicArn=topic, Message=json.dumps(event))

    def _topics(self, configuration_set: str | None, event_type: str) -> list[str]:
        topics = []
        if configuration_set:
            described = self._client("ses").describe_configuration_set(
                ConfigurationSetName=configuration_set, ConfigurationSetAttributeNames=["eventDestinations"]
            )
            topics = [
                d["SNSDestination"]["TopicARN"]
                for d in described.get("EventDestinations", [])
                if d.get("Enabled", True)
                and "SNSDestination" in d
                and event_type in [t.lower() for t in d["MatchingEventTypes"]]
            ]
        return topics or ([self._fallback] if self._fallback else [])
