import json
from pathlib import Path

import pytest

from chalicelib.suppression.ses_events import (
    COMPLAINT,
    HARD_BOUNCE,
    SOFT_BOUNCE,
    Feedback,
    MalformedEvent,
    feedback_from_body,
)

EVENTS = Path(__file__).resolve().parents[2] / "events" / "ses"


def body(name):
    return json.loads((EVENTS / f"{name}.json").read_text())["Records"][0]["body"]


def ses_event(name):
    return json.loads(json.loads(body(name))["Message"])


def wrapped(event):
    return json.dumps({"Type": "Notification", "MessageId": "m", "Message": json.dumps(event)})


def test_the_samples_read_as_feedback():
    assert feedback_from_body(body("bounce-permanent")) == [
        Feedback(
            HARD_BOUNCE,
            "ann@example.com",
            "0107019a5f0c5a11-2f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f-000000",
            "2026-11-23T09:05:02.669Z",
            {"kind": "nurture"},  # the mail's own tags, not SES's
        )
    ]
    assert [f.kind for f in feedback_from_body(body("bounce-transient"))] == [SOFT_BOUNCE]
    assert [(f.kind, f.at) for f in feedback_from_body(body("complaint"))] == [(COMPLAINT, "2026-11-23T10:12:44.000Z")]


def test_delivery_send_reject_open_and_click_are_not_feedback():
    delivery = ses_event("delivery")
    assert feedback_from_body(body("delivery")) == []
    for kind in ("Send", "Reject", "Open", "Click", "DeliveryDelay"):
        assert feedback_from_body(wrapped({**delivery, "eventType": kind})) == []


def test_an_undetermined_bounce_counts_as_soft_and_every_recipient_is_named():
    event = ses_event("bounce-permanent")
    event["bounce"]["bounceType"] = "Undetermined"
    event["bounce"]["bouncedRecipients"].append({"emailAddress": "bob@example.com"})
    assert [(f.kind, f.recipient) for f in feedback_from_body(wrapped(event))] == [
        (SOFT_BOUNCE, "ann@example.com"),
        (SOFT_BOUNCE, "bob@example.com"),
    ]


def test_raw_delivery_and_identity_notifications_read_the_same():
    event = ses_event("complaint")
    assert feedback_from_body(json.dumps(event)) == feedback_from_body(body("complaint"))
    legacy = {"notificationType": event.pop("eventType"), **event}
    assert feedback_from_body(wrapped(legacy)) == feedback_from_body(body("complaint"))


def test_a_not_spam_report_and_a_subscription_confirmation_are_ignored():
    event = ses_event("complaint")
    event["complaint"]["complaintFeedbackType"] = "not-spam"
    assert feedback_from_body(wrapped(event)) == []
    assert feedback_from_body(json.dumps({"Type": "SubscriptionConfirmation", "Message": "x"})) == []


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"Type": "Notification", "Message": "not json"}),
        wrapped({"eventType": "Bounce"}),
        wrapped({**ses_event("bounce-permanent"), "bounce": {"bounceType": "Permanent", "bouncedRecipients": []}}),
        wrapped({**ses_event("bounce-permanent"), "bounce": {"bounceType": "Sideways"}}),
        wrapped({**ses_event("complaint"), "complaint": {"complainedRecipients": [{"address": "x"}]}}),
    ],
)
def test_unreadable_notifications_are_errors(text):
    with pytest.raises(MalformedEvent):
        feedback_from_body(text)
