"""Recording activities and profile edits. Scoring follows in the stream
consumer (chalicelib/scoring), never in the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..capture.validation import InvalidSubmission
from ..clock import iso
from ..storage.errors import UnknownLead, VersionConflict
from ..tokens import LEAD, InvalidToken, read_lead_token, sign_lead_token
from ..tracking.links import TrackedHit
from ..tracking.scanners import automated
from .input import parse_activity, parse_profile_edit

_ATTEMPTS = 4


class ActivityLog:
    def __init__(self, playbook, store, leads, signer, clock):
        self._config = playbook.activities
        self._store = store
        self._leads = leads
        self._signer = signer
        self._clock = clock

    def record_web(self, body: Mapping[str, Any]) -> str:
        """POST /events: {lead: <signed lead token>, type, ...data}. Raises
        InvalidSubmission (bad or expired token, unknown type, bad data;
        nothing stored). Returns the renewed lead token, also when the lead is
        gone or no longer subscribed and nothing was stored (a token reveals
        nothing)."""
        now = self._clock.now()
        try:
            lead_id = read_lead_token(self._signer, str(body.get(LEAD, "")), now)
        except InvalidToken:
            raise InvalidSubmission({LEAD: "missing, invalid or expired lead token"}) from None
        kind, data, at = parse_activity(self._config, body, "web", now, extra=(LEAD,))
        self._store.record(lead_id, kind, iso(at), "web", data)
        return sign_lead_token(self._signer, lead_id, now, self._config.lead_token_days)

    def record_mail_hit(self, kind: str, hit: TrackedHit, user_agent: str | None) -> str:
        """An open (pixel) or click; machine-looking hits are kept, flagged."""
        now = self._clock.now()
        flagged = automated(self._config.tracking, user_agent, hit.sent_at, now)
        data = {"mail_id": hit.mail_id, "sent_at": iso(hit.sent_at), **({"url": hit.target} if hit.target else {})}
        stored = self._store.record(hit.lead_id, kind, iso(now), "email", data, flagged=flagged)
        return "not stored" if stored is None else f"flagged: {flagged}" if flagged else "recorded"

    def record_server(self, lead_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Admin API: any lead (pending ones too), `at` may be in the past.
        Raises InvalidSubmission, UnknownLead."""
        kind, data, at = parse_activity(self._config, body, "server", self._clock.now())
        sk = self._store.record(lead_id, kind, iso(at), "server", data, confirmed_only=False)
        if sk is None:
            raise UnknownLead(lead_id)
        return {"type": kind, "at": iso(at), "source": "server", "data": data}

    def edit_profile(self, lead_id: str, body: Mapping[str, Any]) -> None:
        """Raises InvalidSubmission, UnknownLead, VersionConflict."""
        updates, removals = parse_profile_edit(body)
        for _ in range(_ATTEMPTS):
            lead = self._leads.get(lead_id)
            if lead is None:
                raise UnknownLead(lead_id)
            try:
                self._store.edit_profile(lead, updates, removals, iso(self._clock.now()))
                return
            except VersionConflict:
                continue
        raise VersionConflict(f"lead kept changing during {_ATTEMPTS} attempts")
