"""Nurture applied to stored leads: enrolment and exit (the stream reaction)
and sending one lead's due step (the scheduled sender's unit of work).

Never twice: before SES is called the step is claimed by writing its send
record with a conditional write, in one transaction with a check that the
lead is still as read. That read is consistent and is where the may-we-mail
rule (consent.permission) is asked, so an unsubscribe, bounce or complaint
that lands between the read and the claim fails the claim instead of being
mailed past. After SES answers, the message id goes on the record and the
lead moves to its next step.

A stale claim (a record still `claimed` after the lease: the process died
between claim and recorded send) is given up, never resent: SES may have
accepted the mail before the crash and nothing can tell us, and for drip
marketing a lost step is cheaper than a duplicate (annoyed recipients,
complaints that endanger the sending account). The sequence goes on with the
next step. When SES answers with an error, nothing went out: the claim is
released and a later tick sends the step.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ..clock import iso
from ..consent.permission import MARKETING, mail_refusal
from ..mail.ses import SendRejected, SendThrottled
from ..mail.templates import render_mail
from ..storage.errors import VersionConflict
from ..storage.nurture import AlreadyClaimed
from ..tracking.links import click_url, open_url
from .plan import Due, after_send, at_send_time, plan

log = logging.getLogger(__name__)

_ATTEMPTS = 5


class Nurture:
    def __init__(self, playbook, store, mailer, unsubscribe, signer, clock, public_url: str):
        self._nurture = playbook.nurture
        self._sender = playbook.sender  # the footer's imprint
        self._store = store
        self._mailer = mailer
        self._unsubscribe = unsubscribe
        self._signer = signer
        self._clock = clock
        self._public_url = public_url

    def reconcile(self, lead_id: str) -> str:
        """Enrol or exit after a change to the lead (stream reaction). A
        redelivered change finds nothing to do and writes nothing."""
        for _ in range(_ATTEMPTS):
            found = self._store.lead(lead_id)
            if found is None:
                return "no such lead"  # erased: its index entry went with it
            lead, item = found
            planned = plan(lead, self._nurture, self._clock.now())
            if not planned.differs_from(lead):
                return "unchanged"
            try:
                self._store.save(item, planned)
            except VersionConflict:
                continue
            return f"next: {planned.next.sequence} step {planned.next.step + 1}" if planned.next else "out of nurture"
        raise VersionConflict(f"lead kept changing during {_ATTEMPTS} attempts")

    def send_due(self, lead_id: str, held: frozenset[str] = frozenset()) -> str:
        """Send the lead's due step if it is due and its sequence is not
        `held` (paused by the sending guard); returns what happened. Raises
        SendThrottled (DailyQuotaExceeded) with the claim released, or
        SendingPaused with nothing claimed."""
        for _ in range(_ATTEMPTS):
            now = self._clock.now()
            found = self._store.lead(lead_id)
            if found is None:
                return "no such lead"
            lead, item = found
            # asked on this consistent read; the claim below fails if the lead
            # changes after it (plan() also ends every sequence on a refusal)
            refusal = mail_refusal(lead, MARKETING)
            planned = at_send_time(plan(lead, self._nurture, now), lead, self._nurture, now)
            due = planned.next
            if refusal or due is None or due.at > now:
                # refused, finished, or waits (quiet hours, cap, a stale index entry)
                if planned.differs_from(lead):
                    try:
                        self._store.save(item, planned)
                    except VersionConflict:
                        continue
                return refusal or ("waiting" if due else "out of nurture")
            if due.sequence in held:
                return "sequence paused"  # stays due: sent after the resume
            try:
                return self._send(lead, item, due, now)
            except VersionConflict:
                continue
        raise VersionConflict(f"lead kept changing during {_ATTEMPTS} attempts")

    def _send(self, lead, item, due: Due, now: datetime) -> str:
        template = self._nurture.sequences[due.sequence].steps[due.step].template
        mail = self._mail(lead, item.email, due, template, now)
        claim_id = secrets.token_hex(8)
        try:
            self._store.claim(item, due.sequence, due.step, template, claim_id, iso(now))
        except AlreadyClaimed as taken:
            return self._claimed_before(lead, item, due, taken.record, now)
        try:
            message_id = self._mailer.send(mail)
        except (SendThrottled, SendRejected):
            # SES answered no: nothing went out, so a later tick may send.
            # Anything else (a timeout, a crash) leaves the claim standing.
            self._store.release(lead.lead_id, due.sequence, due.step, claim_id)
            raise
        self._store.record_sent(lead.lead_id, due.sequence, due.step, claim_id, message_id, iso(self._clock.now()))
        self._move_on(lead, item, due, now)
        return "sent"

    def _claimed_before(self, lead, item, due: Due, record, now: datetime) -> str:
        if record.outcome == "claimed":
            claimed_at = datetime.fromisoformat(record.claimed_at)
            if now - claimed_at < timedelta(minutes=self._nurture.sending.claim_lease_minutes):
                return "claimed by another run"
            if not self._store.abandon(lead.lead_id, due.sequence, due.step, record.claim_id):
                return "claimed by another run"
            log.warning("nurture %s step %d: stale claim given up, not resent", due.sequence, due.step + 1)
        # sent (or given up) but the lead was not moved on: do that now
        self._move_on(lead, item, due, datetime.fromisoformat(record.sent_at or record.claimed_at))
        return "already sent" if record.outcome == "sent" else "given up"

    def _move_on(self, lead, item, sent: Due, at: datetime) -> None:
        """Next step. The claim did not change the lead, so the first try
        needs no new read; a concurrent change costs one."""
        found = (lead, item)
        for _ in range(_ATTEMPTS):
            if found is None:
                return
            lead, item = found
            try:
                self._store.save(item, after_send(lead, sent, self._nurture, at))
                return
            except VersionConflict:
                found = self._store.lead(lead.lead_id)
        # the send record is there: the next tick that finds the lead moves it on
        log.warning("nurture %s step %d: lead kept changing; moved on later", sent.sequence, sent.step + 1)

    def _mail(self, lead, address: str, due: Due, template: str, now: datetime):
        mail_id = f"{due.sequence}-{due.step + 1}"
        unsubscribe = self._unsubscribe.link(lead.lead_id)
        public = self._public_url

        def track(target: str) -> str:
            return click_url(self._signer, public, lead.lead_id, mail_id, now, target)

        context = {
            "first_name": str(lead.profile.get("first_name") or "").strip(),
            "site": self._nurture.site,
            "track": track,
            "unsubscribe_url": unsubscribe.url,
            "sender": self._sender,
            "open_pixel_url": open_url(self._signer, public, lead.lead_id, mail_id, now)
            if self._nurture.open_pixel
            else "",
        }
        tags = {"kind": "nurture", "lead": lead.lead_id, "sequence": due.sequence, "step": str(due.step + 1)}
        locale = lead.locale if lead.locale in ("de", "en") else "en"
        # RFC 2919: each sequence is a list; filters distrust an unsubscribe
        # header without a List-Id (SpamAssassin's LIST_PARTIAL_*)
        headers = {**unsubscribe.headers, "List-Id": f"<{due.sequence}.{urlsplit(self._nurture.site).hostname}>"}
        return render_mail(template, locale, to=address, context=context, headers=headers, tags=tags)
