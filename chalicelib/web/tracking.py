"""`GET /t/o/{token}` (open pixel) and `GET /t/c/{token}` (click redirect).
A HEAD request gets the same answer and records nothing. A tracking failure
never costs the person their image or their link: it is logged, and the
answer goes out anyway."""

from __future__ import annotations

import logging

from chalice import Response

from ..tokens import InvalidToken
from ..tracking.links import read_click, read_open
from .http import _quality
from .pages import reader_locale, render_page
from .responses import SECURITY_HEADERS, empty_response, html_response, redirect

log = logging.getLogger(__name__)

# the smallest transparent 1x1 GIF
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_NO_CACHE = {"Cache-Control": "no-store, max-age=0", **SECURITY_HEADERS}


def _record(services, kind: str, read, token: str, request):
    """The hit if the token is good (recorded unless HEAD), else None."""
    try:
        hit = read(services.signer, token, services.clock.now())
    except InvalidToken:
        return None
    if request.method != "HEAD":
        try:
            outcome = services.activities.record_mail_hit(kind, hit, request.headers.get("user-agent"))
            log.info("tracking %s: %s", kind, outcome)
        except Exception:
            log.exception("tracking %s not recorded", kind)
    return hit


def _wants_image(headers) -> bool:
    # API Gateway (and Chalice) send a binary body only to a client that
    # accepts the binary type; others get an empty answer
    ranked = _quality(headers.get("accept") or "")
    return any(ranked.get(kind, 0) > 0 for kind in ("image/gif", "image/*", "*/*"))


def open_pixel(services, token: str, request) -> object:
    _record(services, "email_open", read_open, token, request)
    if not _wants_image(request.headers):
        return empty_response(204, _NO_CACHE)
    return Response(body=PIXEL, status_code=200, headers={"Content-Type": "image/gif", **_NO_CACHE})


def click(services, token: str, request) -> object:
    hit = _record(services, "email_click", read_click, token, request)
    if hit is None:
        page = render_page("notice", reader_locale(request.headers), notice="link_invalid")
        return html_response(404, page)
    # 302: the target is the token's, never the query's (no open redirect)
    return redirect(hit.target, status=302, headers=_NO_CACHE)
