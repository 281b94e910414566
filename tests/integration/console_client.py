"""A tiny browser over Chalice's test client for the console: it keeps the
cookies the app sets (by name, like a browser on one site), signs in with a
token and reads the CSRF token out of a page."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

from chalice.test import Client

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def set_cookies(answer) -> list[str]:
    value = answer.headers.get("Set-Cookie") or answer.headers.get("set-cookie")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Console:
    def __init__(self, client: Client, headers: dict | None = None):
        self.client = client
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def _remember(self, answer) -> None:
        for cookie in set_cookies(answer):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def _headers(self, extra: dict | None = None) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**self.headers, **({"Cookie": cookie} if cookie else {}), **(extra or {})}

    def get(self, path: str):
        answer = self.client.http.get(path, headers=self._headers())
        self._remember(answer)
        return answer

    def post(self, path: str, fields: dict | None = None, csrf: str | None = None):
        body = dict(fields or {})
        if csrf is not None:
            body["_csrf"] = csrf
        answer = self.client.http.post(
            path,
            headers=self._headers({"Content-Type": "application/x-www-form-urlencoded"}),
            body=urlencode(body).encode(),
        )
        self._remember(answer)
        return answer

    def sign_in(self, token: str = "test-admin-token"):
        form = self.get("/console/login")
        return self.post("/console/login", {"token": token}, csrf=csrf_of(form))


def csrf_of(answer) -> str:
    return unescape(_CSRF.search(answer.body.decode() if isinstance(answer.body, bytes) else answer.body).group(1))


def text(answer) -> str:
    return answer.body.decode() if isinstance(answer.body, bytes) else answer.body
