"""Counting what goes out and what comes back. Every mail SES accepts is a
send (CountingMailer wraps the one mailer every sender uses); each bounce or
complaint from the SES events queue is counted once per SES message,
recipient and kind, however often SQS delivers it, and then the guard judges
the account and the mail's sequence."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ..clock import epoch
from ..suppression.ses_events import COMPLAINT, HARD_BOUNCE, SOFT_BOUNCE, Feedback
from ..tokens import keyed_hash
from .figures import attribute, scopes_of
from .guard import judged_scopes

log = logging.getLogger(__name__)

_METRIC = {HARD_BOUNCE: "hard_bounces", SOFT_BOUNCE: "soft_bounces", COMPLAINT: "complaints"}
# longer than SQS keeps a message (14 days): a redelivery always finds its mark
SEEN_FOR = timedelta(days=15)


class ReputationCounters:
    def __init__(self, store, guard, clock, lead_key: bytes):
        self._store = store
        self._guard = guard
        self._clock = clock
        self._lead_key = lead_key

    def sent(self, tags, recipient: str) -> None:
        scopes = scopes_of(tags, recipient)
        self._store.add_send(self._clock.now().date().isoformat(), [attribute(s, "sends") for s in scopes])

    def feedback(self, feedback: Feedback) -> str:
        """Count one recipient's bounce or complaint and let the guard judge;
        returns what happened (no address)."""
        scopes = scopes_of(feedback.tags, feedback.recipient)
        metric = _METRIC[feedback.kind]
        # keyed: the mark must not let anyone test which address bounced
        marker = keyed_hash(
            self._lead_key, f"reputation:{feedback.message_id}|{feedback.kind}|{feedback.recipient.lower()}"
        )
        at = datetime.fromisoformat(feedback.at)
        counted = self._store.add_feedback(
            marker, epoch(at + SEEN_FOR), at.date().isoformat(), [attribute(s, metric) for s in scopes]
        )
        outcome = f"{metric} {'counted' if counted else 'counted before'}"
        if feedback.kind == SOFT_BOUNCE:
            return outcome  # SES's rates count hard bounces only
        # judged also when counted before: a retry after a crash completes it
        paused = self._guard.judge(judged_scopes(scopes))
        return outcome + (f", paused {', '.join(paused)}" if paused else "")


class CountingMailer:
    """The mailer, counting every mail SES accepted. A failed count is
    logged and not raised: the mail is out, and a send missing from the
    counters can only make the rates look worse, never better."""

    def __init__(self, mailer, counters: ReputationCounters):
        self._mailer = mailer
        self._counters = counters

    def send(self, mail) -> str:
        message_id = self._mailer.send(mail)
        try:
            self._counters.sent(mail.tags, mail.to)
        except Exception:  # any failure: the mail went out regardless
            log.exception("a send was not counted")
        return message_id
