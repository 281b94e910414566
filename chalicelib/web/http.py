"""HTTP details shared by handlers: body parsing, content negotiation, CORS
and the one error shape (`{"errors": {name: message}}`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from ..reasons import Reason
from ..values import has_lone_surrogate, storable_number

# admin and API bodies (a form's own limit comes from the playbook)
MAX_BODY = 16 * 1024
# deeper bodies are refused before parsing (Python's parser recurses)
MAX_DEPTH = 32


@dataclass
class HttpProblem(Exception):
    status: int
    errors: Mapping[str, Reason | str]
    headers: Mapping[str, str] = field(default_factory=dict)


def media_type(headers: Mapping[str, str]) -> str:
    return (headers.get("content-type") or "").split(";")[0].strip().lower()


class _Refused(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _too_deep(text: str) -> bool:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _number(text: str) -> int | float:
    # the length cap keeps int() off huge digit strings
    value = float(text) if any(c in text for c in ".eE") else int(text) if len(text) <= 40 else None
    if not storable_number(value):
        raise _Refused("number")
    return value


def _constant(name: str) -> Any:
    raise _Refused("number")  # NaN, Infinity, -Infinity


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _Refused("duplicate")
    return data


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        if has_lone_surrogate(value):
            raise _Refused("unicode")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def read_json(raw_body: bytes | None, max_bytes: int = MAX_BODY) -> dict[str, Any]:
    """The body as a JSON object, or HttpProblem 413/400. Strict where
    Python's json is lenient: no NaN or infinity, no number DynamoDB cannot
    store, no repeated keys, no lone surrogates, no deep nesting. An empty
    body is an empty object."""
    body = raw_body or b""
    if len(body) > max_bytes:
        raise HttpProblem(413, {"body": Reason("body_too_large", {"limit": max_bytes})})
    try:
        text = body.decode("utf-8")
        if not text.strip():
            return {}
        if _too_deep(text):
            raise _Refused("depth")
        data = json.loads(
            text, parse_float=_number, parse_int=_number, parse_constant=_constant, object_pairs_hook=_object
        )
        _check_text(data)
    except _Refused as refused:
        raise HttpProblem(400, {"body": Reason(refused.reason)}) from None
    except (UnicodeDecodeError, ValueError):
        raise HttpProblem(400, {"body": Reason("body_json")}) from None
    if not isinstance(data, dict):
        raise HttpProblem(400, {"body": Reason("body_object")})
    return data


def read_fields(headers: Mapping[str, str], raw_body: bytes | None, max_bytes: int) -> dict[str, list[Any]]:
    """A form post's fields as name -> list of values, from JSON or
    application/x-www-form-urlencoded. Raises HttpProblem 413/415/400."""
    body = raw_body or b""
    declared = headers.get("content-length")
    if len(body) > max_bytes or (declared and declared.isdigit() and int(declared) > max_bytes):
        raise HttpProblem(413, {"body": Reason("body_too_large", {"limit": max_bytes})})
    kind = media_type(headers)
    if kind == "application/json":
        data = read_json(body, max_bytes)
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
