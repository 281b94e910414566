"""Who may use the admin API: bearer tokens, configured only as hashes."""
from __future__ import annotations

import hmac

from ..secrets import AdminToken, Secrets, hash_admin_token


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authorize(authorization: str | None, secrets: Secrets) -> AdminToken | None:
    token = bearer_token(authorization)
    if token is None:
        return None
    digest = hash_admin_token(token)
    for known, who in secrets.admin_tokens.items():
        if hmac.compare_digest(known, digest):
            return who
    return None
