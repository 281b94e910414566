"""Chalice responses, and domain errors turned into the documented 4xx."""
from __future__ import annotations

import functools
import json
from typing import Any, Mapping

from chalice import Response

from .http import HttpProblem

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body), status_code=status,
                    headers={"Content-Type": "application/json", **(headers or {})})


def html_response(status: int, html: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body=html, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        **SECURITY_HEADERS,
        **(headers or {}),
    })


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body="", status_code=status, headers=dict(headers or {}))


def redirect(url: str, status: int = 303, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body="", status_code=status, headers={"Location": url, **(headers or {})})


def problem(error: Exception) -> HttpProblem | None:
    """The HTTP answer to a domain error, or None for a real failure."""
    # imported here: app.py imports this module for its decorator, and the
    # domain modules (pydantic, PynamoDB) should load only when a route runs
    from ..capture.service import UnknownForm
    from ..capture.signup import RateLimited
    from ..capture.validation import InvalidSubmission
    from ..storage.errors import UnknownLead, VersionConflict

    if isinstance(error, HttpProblem):
        return error
    if isinstance(error, InvalidSubmission):
        return HttpProblem(400, error.errors)
    if isinstance(error, UnknownForm):
        return HttpProblem(404, {"form_id": "unknown form"})
    if isinstance(error, RateLimited):
        return HttpProblem(429, {"rate": "too many submissions, try again later"},
                           {"Retry-After": str(error.retry_after)})
    if isinstance(error, UnknownLead):
        return HttpProblem(404, {"lead_id": "no such lead"})
    if isinstance(error, VersionConflict):
        return HttpProblem(503, {"lead": "busy, try again"}, {"Retry-After": "1"})
    return None


def answers_problems(view):
    """Turn domain errors raised by a view into their 4xx answers."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Exception as error:
            answer = problem(error)
            if answer is None:
                raise
            return json_response(answer.status, {"errors": dict(answer.errors)}, answer.headers)

    return wrapper
