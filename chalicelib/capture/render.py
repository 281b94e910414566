"""The fill-time check's evidence: a signed, form-bound token that says when
the form was handed out (by the form page, or `GET /forms/{form_id}/token`
for static pages). The client cannot forge or omit it: a post without a
valid token counts as too fast, like a bot's."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..tokens import InvalidToken, Signer

FIELD = "_render_token"
_PURPOSE = "form_render"
# a page left open this long must be reloaded (its post counts as a bot's)
VALID_FOR = timedelta(days=1)


def render_token(signer: Signer, form_id: str, at: datetime) -> str:
    return signer.sign(_PURPOSE, {"f": form_id, "r": int(at.timestamp())}, expires_at=at + VALID_FOR)


def filled_too_fast(signer: Signer, token: object, form_id: str, min_fill_seconds: float, now: datetime) -> bool:
    """True unless the token is this form's, valid, and at least
    min_fill_seconds old (a form without a minimum needs no token)."""
    if min_fill_seconds <= 0:
        return False
    if not isinstance(token, str):
        return True
    try:
        claims = signer.verify(token, _PURPOSE, now)
    except InvalidToken:
        return True
    rendered = claims.get("r")
    if claims.get("f") != form_id or not isinstance(rendered, int):
        return True
    return now.timestamp() - rendered < min_fill_seconds
