"""Tokens that travel in links.

Opt-in tokens are random (192 bits) and only their SHA-256 is stored. Long-lived
link tokens (unsubscribe, tracking, lead identity, rep actions) are HMAC-signed
with a key id so keys can rotate: `<kid>.<payload>.<signature>`, base64url.
None of them carries an e-mail address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as _random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# the purpose of the signed lead token behind POST /events (and its body key)
LEAD = "lead"


class InvalidToken(ValueError):
    pass


def new_opt_in_token() -> tuple[str, str]:
    """A fresh opt-in token and the hash that is the only thing stored."""
    token = _random.token_urlsafe(24)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_hash(key: bytes, value: str) -> str:
    """Stable, non-reversible identifier for a value (lead ids, suppression
    entries): base32 of HMAC-SHA256, 26 characters (130 bits)."""
    digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:26]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, keys: Mapping[str, bytes], current_kid: str) -> None:
        self._keys = dict(keys)
        self._kid = current_kid

    def sign(self, purpose: str, claims: Mapping[str, Any], expires_at: datetime | None = None) -> str:
        body = {"p": purpose, **claims}
        if expires_at is not None:
            body["x"] = int(expires_at.timestamp())
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{self._kid}.{payload}.{self._mac(self._kid, payload)}"

    def verify(self, token: str, purpose: str, now: datetime, expiring: bool = False) -> dict[str, Any]:
        """The token's claims. Raises InvalidToken; with `expiring`, also for
        a token signed without an expiry."""
        try:
            kid, payload, signature = token.split(".")
        except ValueError:
            raise InvalidToken("malformed") from None
        if kid not in self._keys or not hmac.compare_digest(signature, self._mac(kid, payload)):
            raise InvalidToken("bad signature")
        try:
            body = json.loads(_unb64(payload))
        except ValueError:
            raise InvalidToken("malformed") from None
        if body.get("p") != purpose:
            raise InvalidToken("wrong purpose")
        if "x" in body and body["x"] < now.timestamp():
            raise InvalidToken("expired")
        if expiring and not isinstance(body.get("x"), int):
            raise InvalidToken("no expiry")
        return body

    def _mac(self, kid: str, payload: str) -> str:
        return _b64(hmac.new(self._keys[kid], f"{kid}.{payload}".encode(), hashlib.sha256).digest())


def sign_lead_token(signer: Signer, lead_id: str, now: datetime, days: float) -> str:
    """The lead's identity for POST /events: it names the lead, so it
    expires (each confirmed visit gets a renewed one)."""
    return signer.sign(LEAD, {"l": lead_id}, expires_at=now + timedelta(days=days))


def read_lead_token(signer: Signer, token: str, now: datetime) -> str:
    """The lead id. Raises InvalidToken (also for an old token without expiry)."""
    lead_id = signer.verify(token, LEAD, now, expiring=True).get("l")
    if not isinstance(lead_id, str):
        raise InvalidToken("malformed")
    return lead_id
