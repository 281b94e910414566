"""The capture use case: a form post in, stored facts out (or a reason not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..playbook import Playbook
from ..storage.errors import VersionConflict
from ..tokens import keyed_hash
from . import render
from .signup import LeadChanged, RequestMeta, plan_signup, rate_window
from .validation import validate_submission

# writes by the stream consumer (opt-in token, score, nurture) besides the
# concurrent submissions, which the per-address limit bounds
_OTHER_WRITERS = 4


class UnknownForm(LookupError):
    pass


def lead_id_for(email: str, lead_key: bytes) -> str:
    return keyed_hash(lead_key, email)


def looks_like_bot(form_id: str, form, values: Mapping[str, list[Any]], meta: RequestMeta, signer) -> bool:
    """A filled honeypot, or a post sooner after its signed render time than
    a person can fill the form (no valid render token counts as sooner)."""
    if any(v not in ("", None) for v in values.get(form.honeypot, [])):
        return True
    token = values.get(render.FIELD, [None])[0]
    return render.filled_too_fast(signer, token, form_id, form.min_fill_seconds, meta.at)


class Capture:
    def __init__(self, playbook: Playbook, store, lead_key: bytes, signer):
        self._playbook = playbook
        self._store = store
        self._lead_key = lead_key
        self._signer = signer

    def form(self, form_id: str):
        try:
            return self._playbook.forms[form_id]
        except KeyError:
            raise UnknownForm(form_id) from None

    def submit(self, form_id: str, values: Mapping[str, list[Any]], meta: RequestMeta) -> bool:
        """Stores the submission; False when it was silently dropped as a bot.
        Raises UnknownForm, InvalidSubmission or RateLimited (nothing stored)."""
        form = self.form(form_id)
        limits = self._playbook.capture
        ip_counter = None
        if meta.ip:
            window = rate_window(meta.at, limits.per_ip.window_seconds)
            ip_key = keyed_hash(self._lead_key, "ip:" + meta.ip)
            ip_counter = (ip_key, window, limits.per_ip.window_seconds, limits.per_ip.limit)
        # a bot's answer is a person's in the same situation: 400 for bad
        # input, 429 for a limited IP (its posts count), else the success
        submission = validate_submission(form, values, check_mx=limits.check_mx)
        if looks_like_bot(form_id, form, values, meta, self._signer):
            if ip_counter:
                self._store.count_ip(ip_counter)
            return False
        lead_id = lead_id_for(submission.email, self._lead_key)
        # one read and one transaction whether the address is new or not, so
        # the answer time does not tell (a blind write would cost an existing
        # address a failed write and a retry). A conflict hands back the lead
        # as it stands. Each retry follows a write that won, and at most
        # per_email.limit submissions win per window: racing posts of one
        # address end in 202 or 429 within that many attempts.
        state = self._store.signup_state(lead_id)
        attempts = limits.per_email.limit + _OTHER_WRITERS
        for _ in range(attempts):
            write = plan_signup(lead_id, state, submission, form_id, form, meta, self._playbook.double_opt_in, limits)
            try:
                self._store.write_signup(write, ip_counter)
                return True
            except LeadChanged as changed:
                state = changed.state
        raise VersionConflict(f"lead kept changing during {attempts} attempts")
