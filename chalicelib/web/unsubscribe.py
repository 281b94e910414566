"""`GET /unsubscribe/{token}` (a page with a button; changes nothing) and
`POST /unsubscribe/{token}` (unsubscribes; also RFC 8058 one-click, which a
mailbox provider posts without cookies and which must not be redirected:
the answer is a small page with 200)."""

from __future__ import annotations

from urllib.parse import parse_qs

from ..consent.unsubscribe import ONE_CLICK, ONE_CLICK_BODY, PAGE
from .http import client
from .pages import reader_locale, render_page
from .responses import html_response

_STATUS = {"subscribed": 200, "unsubscribed": 200, "invalid": 404}


def _page(services, token: str, state, headers) -> object:
    html = render_page(
        "unsubscribe",
        state.locale or reader_locale(headers),
        state=state.status,
        action=f"{services.settings.public_url}/unsubscribe/{token}",
    )
    return html_response(_STATUS[state.status], html)


def _method(raw_body: bytes | None) -> str:
    """One-click if the body says so; anything else (the page's button, an
    odd body) still unsubscribes: the person asked for it."""
    name, _, value = ONE_CLICK_BODY.partition("=")
    try:
        fields = parse_qs((raw_body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return PAGE
    return ONE_CLICK if value in fields.get(name, []) else PAGE


def show(services, token: str, request) -> object:
    return _page(services, token, services.unsubscribe.state(token), request.headers)


def unsubscribe(services, token: str, request) -> object:
    ip, user_agent = client(request.context, request.headers)
    state = services.unsubscribe.unsubscribe(token, _method(request.raw_body), ip, user_agent)
    return _page(services, token, state, request.headers)
