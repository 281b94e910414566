"""Console sign-in: an admin token buys a session. The browser keeps only a
signed, expiring cookie naming a random session id; the session item
(chalicelib/storage/sessions.py) is what makes it valid, so signing out
ends it at once. CSRF tokens are signed and bound to the session (or, on
the sign-in form, to a one-hour cookie nonce), so a forged post from
another site has none that verifies."""

from __future__ import annotations

import hmac
import secrets as _random
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from ...admin.access import holder
from ...clock import epoch, iso
from ...secrets import hash_admin_token
from ...tokens import InvalidToken, hash_token

SESSION_HOURS = 8
LOGIN_FORM_MINUTES = 60
SESSION_COOKIE = "lf_session"
LOGIN_COOKIE = "lf_login"
LANGUAGE_COOKIE = "lf_lang"
_SESSION, _CSRF, _LOGIN, _LINK_CSRF = "console-session", "console-csrf", "console-login", "console-link-csrf"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Session:
    session_hash: str
    name: str
    scopes: frozenset[str]
    csrf: str

    def may(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie") or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def secure_cookies(public_url: str) -> bool:
    """`Secure` everywhere but plain http on loopback (the local stack),
    where a browser would drop a Secure cookie."""
    url = urlsplit(public_url)
    return not (url.scheme == "http" and url.hostname in _LOOPBACK)


def set_cookie(name: str, value: str, public_url: str, max_age: int, path: str = "/console") -> str:
    secure = "; Secure" if secure_cookies(public_url) else ""
    return f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"


def _short(value: str) -> str:
    return hash_token(value)[:32]


class Sessions:
    def __init__(self, signer, secrets, store, clock, public_url: str):
        self._signer = signer
        self._secrets = secrets
        self._store = store
        self._clock = clock
        self._public_url = public_url

    # --- the sign-in form --------------------------------------------------------
    def login_form(self) -> tuple[str, str]:
        """(Set-Cookie header of a fresh nonce, the form's CSRF token bound to it)."""
        nonce = _random.token_urlsafe(18)
        expires = self._clock.now() + timedelta(minutes=LOGIN_FORM_MINUTES)
        token = self._signer.sign(_LOGIN, {"n": _short(nonce)}, expires_at=expires)
        return set_cookie(LOGIN_COOKIE, nonce, self._public_url, LOGIN_FORM_MINUTES * 60, "/console/login"), token

    def login_form_ok(self, headers, token: str) -> bool:
        nonce = cookies(headers).get(LOGIN_COOKIE)
        return bool(nonce) and self._claim_matches(token, _LOGIN, "n", _short(nonce or ""))

    # --- sessions ---------------------------------------------------------------------
    def start(self, admin_token: str) -> str | None:
        """The session cookie for a known admin token, or None."""
        who = holder(admin_token, self._secrets) if admin_token else None
        if who is None:
            return None
        now = self._clock.now()
        session_id = _random.token_urlsafe(24)
        expires = now + timedelta(hours=SESSION_HOURS)
        self._store.put(_short(session_id), hash_admin_token(admin_token), who.name, iso(now), epoch(expires))
        signed = self._signer.sign(_SESSION, {"s": session_id}, expires_at=expires)
        return set_cookie(SESSION_COOKIE, signed, self._public_url, SESSION_HOURS * 3600)

    def current(self, headers) -> Session | None:
        """The live session the request's cookie names (one GetItem), or None."""
        signed = cookies(headers).get(SESSION_COOKIE)
        if not signed:
            return None
        now = self._clock.now()
        try:
            session_id = self._signer.verify(signed, _SESSION, now, expiring=True).get("s")
        except InvalidToken:
            return None
        if not isinstance(session_id, str):
            return None
        session_hash = _short(session_id)
        stored = self._store.get(session_hash)
        if stored is None or stored.get("expires_at", 0) <= epoch(now):
            return None
        # a token taken out of the configuration ends its sessions too
        who = self._secrets.admin_tokens.get(stored.get("token_hash", ""))
        if who is None:
            return None
        csrf = self._signer.sign(_CSRF, {"s": session_hash})
        return Session(session_hash, who.name, who.scopes, csrf)

    def csrf_ok(self, session: Session, token: str) -> bool:
        return self._claim_matches(token, _CSRF, "s", session.session_hash)

    def end(self, session: Session) -> str:
        """Deletes the session; the Set-Cookie header that clears the cookie."""
        self._store.delete(session.session_hash)
        return set_cookie(SESSION_COOKIE, "", self._public_url, 0)

    def _claim_matches(self, token: str, purpose: str, claim: str, expected: str) -> bool:
        try:
            claims = self._signer.verify(token or "", purpose, self._clock.now())
        except InvalidToken:
            return False
        return isinstance(claims.get(claim), str) and hmac.compare_digest(claims[claim], expected)


def link_csrf(signer, link_token: str) -> str:
    """The CSRF token of a page reached by a signed link (the rep's own
    view): bound to that link, as a session's is bound to the session."""
    return signer.sign(_LINK_CSRF, {"t": _short(link_token)})


def link_csrf_ok(signer, link_token: str, token: str, now) -> bool:
    try:
        claims = signer.verify(token or "", _LINK_CSRF, now)
    except InvalidToken:
        return False
    return isinstance(claims.get("t"), str) and hmac.compare_digest(claims["t"], _short(link_token))
