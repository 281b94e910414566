"""HTTP details shared by handlers: body parsing, content negotiation, CORS
and the one error shape (`{"errors": {name: message}}`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from ..reasons import Reason


@dataclass
class HttpProblem(Exception):
    status: int
    errors: Mapping[str, Reason | str]
    headers: Mapping[str, str] = field(default_factory=dict)


def media_type(headers: Mapping[str, str]) -> str:
    return (headers.get("content-type") or "").split(";")[0].strip().lower()


def read_fields(headers: Mapping[str, str], raw_body: bytes | None, max_bytes: int) -> dict[str, list[Any]]:
    """A form post's fields as name -> list of values, from JSON or
    application/x-www-form-urlencoded. Raises HttpProblem 413/415/400."""
    body = raw_body or b""
    declared = headers.get("content-length")
    if len(body) > max_bytes or (declared and declared.isdigit() and int(declared) > max_bytes):
        raise HttpProblem(413, {"body": Reason("body_too_large", {"limit": max_bytes})})
    kind = media_type(headers)
    if kind == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HttpProblem(400, {"body": Reason("body_json")}) from None
        if not isinstance(data, dict):
            raise HttpProblem(400, {"body": Reason("body_object")})
        return {name: value if isinstance(value, list) else [value] for name, value in data.items()}
    if kind == "application/x-www-form-urlencoded":
        try:
            return parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise HttpProblem(400, {"body": Reason("body_form_data")}) from None
    raise HttpProblem(415, {"content-type": Reason("media_type")})


def _quality(accept: str) -> dict[str, float]:
    ranked = {}
    for part in accept.split(","):
        kind, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked[kind.strip().lower()] = q
    return ranked


def accepts_html(headers: Mapping[str, str]) -> bool:
    """A browser navigating (it ranks HTML above JSON), not a script."""
    ranked = _quality(headers.get("accept") or "")
    return ranked.get("text/html", 0) > ranked.get("application/json", 0)


def prefers_html(headers: Mapping[str, str]) -> bool:
    """A plain HTML form post (a browser navigating) rather than a script."""
    return media_type(headers) == "application/x-www-form-urlencoded" and accepts_html(headers)


def accepted_locale(headers: Mapping[str, str], locales: Iterable[str], default: str) -> str:
    """The reader's locale by `Accept-Language` (`de-AT` counts as `de`),
    for answers no form decides."""
    best, best_q = default, 0.0
    for tag, q in _quality(headers.get("accept-language") or "").items():
        language = tag.split("-")[0]
        if language in locales and q > best_q:
            best, best_q = language, q
    return best


def cors_headers(origin: str | None, allowed: Iterable[str], methods: str = "POST, OPTIONS") -> dict[str, str]:
    """CORS for the listed origins only: the origin is echoed (Chalice's
    CORSConfig allows one origin), and `Vary: Origin` keeps caches honest."""
    headers = {"Vary": "Origin"}
    if origin and origin in allowed:
        headers.update(
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": methods,
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600",
            }
        )
    return headers


def client(context: Mapping[str, Any] | None, headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(source IP, user agent) as API Gateway saw them."""
    identity = (context or {}).get("identity") or {}
    return identity.get("sourceIp"), headers.get("user-agent") or identity.get("userAgent")
