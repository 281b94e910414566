"""Signed tracking links for mails: the open pixel and click redirects.

Mail builders (nurture) call `open_url` / `click_url`; the tracking routes
call `read_open` / `read_click`. The click target lives inside the signed
token and nowhere else, so the redirect cannot be pointed anywhere by
editing a URL (no open redirect). Tokens carry the lead id, the mail id and
the send time (to spot scanners that fetch links right after delivery),
never an address. They do not expire: old mails' links keep working, and
signing keys rotate by key id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from ..tokens import InvalidToken

OPEN = "open"
CLICK = "click"


@dataclass(frozen=True)
class TrackedHit:
    lead_id: str
    mail_id: str
    sent_at: datetime
    target: str | None = None  # clicks only


def _claims(lead_id: str, mail_id: str, sent_at: datetime) -> dict:
    return {"l": lead_id, "m": mail_id, "s": int(sent_at.timestamp())}


def _web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def open_url(signer, public_url: str, lead_id: str, mail_id: str, sent_at: datetime) -> str:
    return f"{public_url}/t/o/{signer.sign(OPEN, _claims(lead_id, mail_id, sent_at))}"


def click_url(signer, public_url: str, lead_id: str, mail_id: str, sent_at: datetime, target: str) -> str:
    if not _web_url(target):
        raise ValueError("a tracked link must point to an http(s) URL")
    return f"{public_url}/t/c/{signer.sign(CLICK, {**_claims(lead_id, mail_id, sent_at), 'u': target})}"


def _read(signer, token: str, purpose: str, now: datetime) -> TrackedHit:
    body = signer.verify(token, purpose, now)
    try:
        return TrackedHit(str(body["l"]), str(body["m"]), datetime.fromtimestamp(int(body["s"]), UTC), body.get("u"))
    except (KeyError, TypeError, ValueError):
        raise InvalidToken("malformed") from None


def read_open(signer, token: str, now: datetime) -> TrackedHit:
    """Raises InvalidToken."""
    return _read(signer, token, OPEN, now)


def read_click(signer, token: str, now: datetime) -> TrackedHit:
    """Raises InvalidToken (also for a target that is not a web URL)."""
    hit = _read(signer, token, CLICK, now)
    if not isinstance(hit.target, str) or not _web_url(hit.target):
        raise InvalidToken("no target")
    return hit
