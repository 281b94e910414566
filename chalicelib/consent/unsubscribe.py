"""Unsubscribing: the link every marketing mail carries, and acting on it.

The token is HMAC-signed with a key id (tokens.Signer), scoped to the purpose
"unsubscribe", names only the lead id and never expires: an unsubscribe link
in a years-old mail must still work. Mail builders call `link()` for the URL
to show and the RFC 8058 headers (`List-Unsubscribe` with the https URL,
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`), which make mailbox
providers POST the same URL when the person presses their "unsubscribe".

Unsubscribing sets the lead's status to `unsubscribed` and appends a
withdrawal record and an activity (consent records stay untouched as
evidence). Senders see it through consent.permission, so no mail of any kind
follows. Signing up again later starts a fresh double opt-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..clock import iso
from ..tokens import InvalidToken

PURPOSE = "unsubscribe"
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"

PAGE = "page"  # the button on our page
ONE_CLICK = "one_click"  # RFC 8058 POST by the mailbox provider


@dataclass(frozen=True)
class UnsubscribeLink:
    url: str
    headers: Mapping[str, str]  # add them to the mail as they are


def unsubscribe_link(signer, public_url: str, lead_id: str) -> UnsubscribeLink:
    url = f"{public_url}/unsubscribe/{signer.sign(PURPOSE, {'l': lead_id})}"
    return UnsubscribeLink(url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK_BODY})


@dataclass(frozen=True)
class UnsubscribeState:
    """What a link points at, for the pages."""

    status: str  # subscribed | unsubscribed | invalid
    locale: str | None = None  # the lead's; None when no lead decides


class Unsubscribe:
    def __init__(self, leads, store, signer, clock, public_url: str):
        self._leads = leads
        self._store = store
        self._signer = signer
        self._clock = clock
        self._public_url = public_url

    def link(self, lead_id: str) -> UnsubscribeLink:
        return unsubscribe_link(self._signer, self._public_url, lead_id)

    def state(self, token: str) -> UnsubscribeState:
        """Read-only: what GET shows (mail scanners prefetch links)."""
        return self._look_up(token)[0]

    def unsubscribe(self, token: str, method: str, ip: str | None, user_agent: str | None) -> UnsubscribeState:
        """Idempotent: unsubscribing again is the same success."""
        state, lead = self._look_up(token)
        if state.status == "subscribed":
            # False only if a concurrent request unsubscribed first: same outcome
            self._store.unsubscribe(lead, iso(self._clock.now()), method, ip, user_agent)
            state = UnsubscribeState("unsubscribed", state.locale)
        return state

    def _look_up(self, token: str):
        try:
            claims = self._signer.verify(token, PURPOSE, self._clock.now())
        except InvalidToken:
            return UnsubscribeState("invalid"), None
        if not isinstance(claims.get("l"), str):
            return UnsubscribeState("invalid"), None
        lead = self._leads.get(claims["l"])
        if lead is None:
            # erased or expired: nothing is mailed to it, which is what was asked
            return UnsubscribeState("unsubscribed"), None
        status = "unsubscribed" if lead.status == "unsubscribed" else "subscribed"
        return UnsubscribeState(status, lead.locale), lead
