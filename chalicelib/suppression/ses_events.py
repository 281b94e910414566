"""SES event-publishing notifications (configuration set -> SNS -> SQS) as
plain feedback about recipients.

An SQS message body is the SNS envelope (`Type: Notification`, the SES event
JSON as a string in `Message`), or the SES event itself if the subscription
uses raw message delivery. Only bounces and complaints matter here:
- Delivery, Send, DeliveryDelay: the mail got out (or is still trying); not
  bounces.
- Reject: SES refused our message (e.g. a virus), nothing about the recipient.
- Open, Click: ignored; our own tracking routes (/t/o, /t/c) record them as
  activities, and counting SES's too would count each twice.
- Rendering Failure, Subscription: not about a recipient's address either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..clock import iso

HARD_BOUNCE = "hard_bounce"
SOFT_BOUNCE = "soft_bounce"
COMPLAINT = "complaint"


class MalformedEvent(ValueError):
    """Not a notification we can read (reported failed; ends in the DLQ)."""


@dataclass(frozen=True)
class Feedback:
    kind: str  # hard_bounce | soft_bounce | complaint
    recipient: str
    message_id: str  # SES's id of the mail the feedback is about
    at: str  # when it happened (iso), from SES: the same on redelivery
    # the mail's own SES tags (kind, sequence), which say what to count it as
    tags: Mapping[str, str] = field(default_factory=dict)


def _ses_event(body: str) -> dict | None:
    try:
        outer = json.loads(body)
        if isinstance(outer, dict) and outer.get("Type") is not None:
            if outer["Type"] != "Notification":
                return None  # SubscriptionConfirmation and the like: not an SES event
            outer = json.loads(outer["Message"])
    except (TypeError, KeyError, ValueError):
        raise MalformedEvent("body is not an SNS notification with a JSON message") from None
    if not isinstance(outer, dict):
        raise MalformedEvent("SES event is not a JSON object")
    return outer


def _at(part: dict, mail: dict) -> str:
    stamp = part.get("timestamp") or mail.get("timestamp")
    try:
        return iso(datetime.fromisoformat(stamp))
    except (TypeError, ValueError):
        raise MalformedEvent("event has no valid timestamp") from None


def _addresses(recipients) -> list[str]:
    if not isinstance(recipients, list) or not recipients:
        raise MalformedEvent("event names no recipients")
    try:
        return [r["emailAddress"] for r in recipients]
    except (TypeError, KeyError):
        raise MalformedEvent("recipient without emailAddress") from None


def _own_tags(mail: dict) -> dict[str, str]:
    """The tags we set when sending (`kind`, `sequence`); SES adds `ses:*`
    ones and gives each as a list."""
    tags = mail.get("tags")
    if not isinstance(tags, dict):
        return {}
    return {
        name: values[0]
        for name, values in tags.items()
        if name in ("kind", "sequence") and isinstance(values, list) and values and isinstance(values[0], str)
    }


def feedback_from_body(body: str) -> list[Feedback]:
    """The feedback one SQS message carries ([] for events we ignore).
    Raises MalformedEvent."""
    event = _ses_event(body)
    if event is None:
        return []
    # `notificationType` in identity feedback notifications (no configuration set)
    kind = event.get("eventType") or event.get("notificationType")
    mail = event.get("mail")
    if kind is None or not isinstance(mail, dict) or not mail.get("messageId"):
        raise MalformedEvent("not an SES event (no eventType or mail.messageId)")
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        bounce_type = bounce.get("bounceType")
        if bounce_type not in ("Permanent", "Transient", "Undetermined"):
            raise MalformedEvent("bounce without a known bounceType")
        # Undetermined: SES could not tell; counted like a soft bounce rather
        # than losing an address over one unclear notice
        feedback_kind = HARD_BOUNCE if bounce_type == "Permanent" else SOFT_BOUNCE
        recipients = bounce.get("bouncedRecipients")
        at = _at(bounce, mail)
    elif kind == "Complaint":
        complaint = event.get("complaint") or {}
        if complaint.get("complaintFeedbackType") == "not-spam":
            return []  # the recipient marked it as *not* spam
        feedback_kind, recipients, at = COMPLAINT, complaint.get("complainedRecipients"), _at(complaint, mail)
    else:
        return []
    tags = _own_tags(mail)
    return [Feedback(feedback_kind, address, mail["messageId"], at, tags) for address in _addresses(recipients)]
