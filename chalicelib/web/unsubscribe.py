"""`GET /unsubscribe/{token}` (a page with a button; changes nothing) and
`POST /unsubscribe/{token}` (unsubscribes; also RFC 8058 one-click, which a
mailbox provider posts without cookies and which must not be redirected:
the answer is a small page with 200)."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

from ..consent.unsubscribe import ONE_CLICK, ONE_CLICK_BODY, PAGE
from .http import client, media_type
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


def _fields(headers, body: bytes) -> dict[str, list[str]]:
    """Form fields, urlencoded or multipart/form-data (some mailbox providers
    send their one-click POST as the latter); an odd body has none."""
    if media_type(headers) == "multipart/form-data":
        head = f"Content-Type: {headers.get('content-type')}\r\n\r\n".encode("latin-1", "replace")
        form = BytesParser(policy=HTTP).parsebytes(head + body)
        fields: dict[str, list[str]] = {}
        for part in form.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name and not part.is_multipart():
                fields.setdefault(name, []).append(part.get_payload(decode=True).decode("utf-8", "replace"))
        return fields
    return parse_qs(body.decode("utf-8", "replace"))


def _method(headers, raw_body: bytes | None) -> str:
    """RFC 8058 one-click: the provider posts `List-Unsubscribe=One-Click`
    in either form encoding, or an empty body. Our page's button posts a
    field of its own. Any other body still unsubscribes: the person asked."""
    if not raw_body:
        return ONE_CLICK
    name, _, value = ONE_CLICK_BODY.partition("=")
    return ONE_CLICK if value in _fields(headers, raw_body).get(name, []) else PAGE


def show(services, token: str, request) -> object:
    return _page(services, token, services.unsubscribe.state(token), request.headers)


def unsubscribe(services, token: str, request) -> object:
    ip, user_agent = client(request.context, request.headers)
    state = services.unsubscribe.unsubscribe(token, _method(request.headers, request.raw_body), ip, user_agent)
    return _page(services, token, state, request.headers)
