"""Console pages as HTTP answers: one Jinja2 environment (autoescaped, strict
undefined), the reader's language (`?lang=` remembered in a cookie, else
`Accept-Language`) and the headers every page sends."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..http import accepted_locale
from .session import LANGUAGE_COOKIE, cookies, set_cookie
from .texts import TEXTS

HERE = Path(__file__).resolve().parent
YEAR = 365 * 86400
# no script at all; styles only from the app's own stylesheet
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined)
    environment.filters["percent"] = lambda rate: "–" if rate is None else f"{rate * 100:.1f} %"
    environment.filters["duration"] = duration
    environment.filters["person"] = person
    return environment


def person(lead: dict) -> str:
    """A lead's name as people read it, else its address."""
    profile = lead.get("profile") or {}
    return " ".join(str(profile[k]) for k in ("first_name", "last_name") if profile.get(k)) or lead.get("email", "")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class Reader:
    """Who reads: the language (and the cookie that remembers a new choice)."""

    def __init__(self, request, public_url: str):
        headers = request.headers
        chosen = (request.query_params or {}).get("lang")
        remembered = cookies(headers).get(LANGUAGE_COOKIE)
        self.set_cookie = None
        if chosen in TEXTS:
            self.locale = chosen
            if chosen != remembered:
                self.set_cookie = set_cookie(LANGUAGE_COOKIE, chosen, public_url, YEAR)
        elif remembered in TEXTS:
            self.locale = remembered
        else:
            self.locale = accepted_locale(headers, TEXTS, "en")
        self.t = TEXTS[self.locale]


def page(reader: Reader, status: int, template: str, cookies_to_set: tuple = (), **context: Any) -> Response:
    context.setdefault("session", None)
    html = _environment().get_template(f"{template}.html").render(t=reader.t, locale=reader.locale, **context)
    headers: dict[str, Any] = dict(PAGE_HEADERS)
    wanted = [c for c in (reader.set_cookie, *cookies_to_set) if c]
    if wanted:
        headers["Set-Cookie"] = wanted if len(wanted) > 1 else wanted[0]
    return Response(body=html, status_code=status, headers=headers)


def see_other(location: str, cookies_to_set: tuple = ()) -> Response:
    headers: dict[str, Any] = {"Location": location, "Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
    wanted = [c for c in cookies_to_set if c]
    if wanted:
        headers["Set-Cookie"] = wanted if len(wanted) > 1 else wanted[0]
    return Response(body="", status_code=303, headers=headers)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (HERE / "static" / "console.css").read_text()


def stylesheet_response() -> Response:
    return Response(
        body=stylesheet(),
        status_code=200,
        headers={
            "Content-Type": "text/css; charset=utf-8",
            "Cache-Control": "max-age=3600",
            "X-Content-Type-Options": "nosniff",
        },
    )
