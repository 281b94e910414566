"""Who may use the admin API: bearer tokens, configured only as hashes."""

from __future__ import annotations

import hmac

from ..secrets import AdminToken, Secrets, hash_admin_token


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# what each scope may call (API Gateway resource paths; `*` spans segments)
SCOPE_ROUTES = {"admin": ("*",), "reporting": ("/reports/*",)}


def allowed_routes(who: AdminToken) -> list[str]:
    """The routes a token's scopes open: a reporting token sees only the
    reports; unknown scopes open nothing."""
    routes = {route for scope in who.scopes for route in SCOPE_ROUTES.get(scope, ())}
    return ["*"] if "*" in routes else sorted(routes)


def authorize(authorization: str | None, secrets: Secrets) -> AdminToken | None:
    token = bearer_token(authorization)
    return None if token is None else holder(token, secrets)


def holder(token: str, secrets: Secrets) -> AdminToken | None:
    """Who a plain admin token belongs to (the API's bearer, the console's sign-in)."""
    digest = hash_admin_token(token)
    for known, who in secrets.admin_tokens.items():
        if hmac.compare_digest(known, digest):
            return who
    return None
