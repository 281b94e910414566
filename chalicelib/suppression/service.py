"""Applying SES feedback: a hard bounce or a complaint suppresses the address
at once; soft bounces suppress once `soft_bounce_threshold` of them fall
within `soft_bounce_window_days`.

Suppressing writes two things, each idempotent on its own: the address's
suppression entry (keyed hash of the normalised address; it outlives the
lead, so a new signup with the address is never mailed) and, if the lead
exists, its `suppressed` flag (found by the lead id derived from the address:
a GetItem, no scan). A redelivered notification finds both written and
changes nothing; one that died between the two writes completes the second.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from email_validator import EmailNotValidError

from ..capture.service import lead_id_for
from ..capture.validation import normalise_email
from ..clock import epoch, iso
from ..tokens import keyed_hash
from .ses_events import SOFT_BOUNCE, Feedback

SOFT_BOUNCES = "soft_bounces"  # the reason when the threshold was reached


def address_key(lead_key: bytes, email: str) -> str:
    """The suppression entry's key: domain-separated from the lead id, so the
    entry that remains after an erasure cannot be joined to the lead's id."""
    return keyed_hash(lead_key, "suppress:" + email)


def normalised(address: str) -> str:
    try:
        return normalise_email(address)
    except EmailNotValidError:
        return address.strip().lower()


class Suppression:
    def __init__(self, rules, leads, store, lead_key: bytes):
        self._rules = rules
        self._leads = leads
        self._store = store
        self._lead_key = lead_key

    def is_suppressed(self, email: str) -> bool:
        return self._store.is_suppressed(address_key(self._lead_key, normalised(email)))

    def apply(self, feedback: Feedback) -> str:
        """Act on one recipient's feedback; returns what happened (no address)."""
        email = normalised(feedback.recipient)
        if feedback.kind == SOFT_BOUNCE:
            return self._soft_bounce(email, feedback)
        return self.suppress(email, feedback.kind, feedback.at, feedback.message_id)

    def suppress(self, email: str, reason: str, at: str, source: str | None) -> str:
        """Never mail this address again (also for erasure, which keeps only
        this entry)."""
        new_entry = self._store.add_suppression(address_key(self._lead_key, email), reason, at, source)
        lead = self._leads.get(lead_id_for(email, self._lead_key))
        marked = lead is not None and self._store.suppress_lead(lead, reason, at, source or reason)
        return (
            f"{reason}: entry {'written' if new_entry else 'existed'}, "
            f"lead {'marked' if marked else 'absent or marked before'}"
        )

    def _soft_bounce(self, email: str, feedback: Feedback) -> str:
        key = address_key(self._lead_key, email)
        window = timedelta(days=self._rules.soft_bounce_window_days)
        at = datetime.fromisoformat(feedback.at)
        # counted once per SES message and address; counted or not, the
        # threshold is checked again (a retry after a crash completes it)
        self._store.add_soft_bounce(key, feedback.at, feedback.message_id, epoch(at + window) + 24 * 3600)
        count = self._store.soft_bounces_between(key, iso(at - window), feedback.at)
        if count >= self._rules.soft_bounce_threshold:
            return self.suppress(email, SOFT_BOUNCES, feedback.at, feedback.message_id)
        return f"soft bounce {count} of {self._rules.soft_bounce_threshold}"
