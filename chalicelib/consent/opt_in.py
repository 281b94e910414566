"""Double opt-in: mailing the confirmation link and confirming it.

The mail is sent by the stream consumer when the lead names a new opt-in
request (the signup writes it on the lead item). Exactly-once is kept by the
mail's record, written before the send: `sent_at` is recorded with a
conditional write, and a delivery that finds it set does nothing. Before each
attempt a fresh token is stored (only its hash) and made the lead's only valid
one, so a retry after SES throttling sends one mail whose link works. If the
process dies after SES accepted the mail but before `sent_at` was recorded, the
redelivered record sends a second mail with a new token: we err on the side of
a duplicate (the newer link supersedes the older, which then offers a new link)
rather than a person who never receives their confirmation link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from ..clock import epoch, iso
from ..mail.templates import render_mail
from ..storage.errors import VersionConflict
from ..storage.opt_in import AlreadySent, MailRecord
from ..tokens import LEAD, hash_token, new_opt_in_token, sign_lead_token
from .permission import OPT_IN, mail_refusal

_TEMPLATE = "optin"


@dataclass(frozen=True)
class LinkState:
    """What a confirmation link points at, for the pages."""

    status: str  # valid | confirmed | expired | invalid
    form_id: str | None = None


class OptIn:
    def __init__(self, playbook, leads, store, mailer, signer, clock, public_url: str, suppression):
        self._playbook = playbook
        self._leads = leads
        self._store = store
        self._mailer = mailer
        self._signer = signer
        self._clock = clock
        self._public_url = public_url
        self._suppression = suppression

    # --- sending (stream consumer) -------------------------------------
    def send_requested_mail(self, lead_id: str, request_id: str) -> str:
        """Mail the opt-in request `request_id`; returns what happened. Raises
        SendThrottled (and other errors) for the batch to retry."""
        request = self._store.request(lead_id, request_id)
        if request is not None and (request.sent_at or request.skipped):
            return "already handled"
        lead = self._leads.get(lead_id)
        if lead is None:
            return "lead gone"  # erased or expired: write nothing back
        reason = self._reason_not_to_send(lead, request_id)
        if reason:
            self._store.skip(lead, request_id, reason)
            return reason
        form = self._playbook.forms.get(lead.form_id)
        token, token_hash = new_opt_in_token()
        now = self._clock.now()
        hours = self._playbook.double_opt_in.token_ttl_hours
        record = MailRecord(
            request_id=request_id,
            token_hash=token_hash,
            form_id=lead.form_id,
            valid_until=epoch(now + timedelta(hours=hours)),
            template=_TEMPLATE,
            consent_version=form.consent.version if form else None,
            # kept like the signup's other unconfirmed items: the
            # confirmation removes the TTL, it is evidence from then on
            expires_at=epoch(now + timedelta(days=self._playbook.double_opt_in.pending_ttl_days)),
        )
        try:
            self._store.arm_token(lead, record)
        except AlreadySent:
            return "already handled"
        mail = render_mail(
            _TEMPLATE,
            lead.locale,
            to=lead.email,
            context={
                "first_name": lead.profile.as_dict().get("first_name", "") if lead.profile else "",
                "form_title": form.title if form else "",
                "confirm_url": f"{self._public_url}/confirm/{token}",
                "expires_hours": int(hours),
                "consent_text": form.consent.text if form else "",
                "consent_version": form.consent.version if form else "",
            },
            tags={"kind": "opt_in", "lead": lead_id},
        )
        message_id = self._mailer.send(mail)
        self._store.record_sent(lead_id, request_id, message_id, iso(self._clock.now()))
        return "sent"

    def _reason_not_to_send(self, lead, request_id: str) -> str | None:
        if lead.opt_in_request_id != request_id:
            return "superseded"
        # the address's own entry too: a suppressed address that signs up
        # anew (after an erasure) is a new lead without the flag
        address_suppressed = not lead.suppressed and self._suppression.is_suppressed(lead.email)
        return mail_refusal(lead, OPT_IN, address_suppressed)

    # --- confirming (HTTP) ----------------------------------------------
    def link_state(self, token: str) -> LinkState:
        """Read-only: what GET /confirm shows. Never changes state."""
        return self._look_up(token)[0]

    def confirm(self, token: str, ip: str | None, user_agent: str | None) -> tuple[LinkState, str | None]:
        """Confirm (idempotent: confirming again is the same success).
        Returns the link state and, on success, where to send the person: the
        form's confirmed_url with a signed lead token for the landing site."""
        for _ in range(3):
            state, item, lead = self._look_up(token)
            if state.status == "valid":
                try:
                    self._store.confirm(lead, hash_token(token), iso(self._clock.now()), ip, user_agent)
                except VersionConflict:
                    continue  # changed or confirmed concurrently: look again
                state = LinkState("confirmed", state.form_id)
            if state.status != "confirmed":
                return state, None
            return state, self._confirmed_url(item.lead_id, state.form_id)
        return self.link_state(token), None

    def _look_up(self, token: str):
        token_hash = hash_token(token)
        item = self._store.token(token_hash)
        if item is None or item.purpose != "opt_in":
            return LinkState("invalid"), None, None
        lead = self._leads.get(item.lead_id)
        if lead is None:
            return LinkState("expired", item.form_id), item, None
        if lead.status == "confirmed":
            return LinkState("confirmed", item.form_id), item, lead
        if lead.opt_in_token_hash != token_hash or item.valid_until <= epoch(self._clock.now()):
            return LinkState("expired", item.form_id), item, lead
        return LinkState("valid", item.form_id), item, lead

    def _confirmed_url(self, lead_id: str, form_id: str) -> str:
        url = str(self._playbook.forms[form_id].confirmed_url)
        days = self._playbook.activities.lead_token_days
        lead_token = sign_lead_token(self._signer, lead_id, self._clock.now(), days)
        return f"{url}{'&' if '?' in url else '?'}{urlencode({LEAD: lead_token})}"
