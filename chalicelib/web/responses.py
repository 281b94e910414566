"""Chalice responses, and domain errors turned into the documented 4xx."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from chalice import Response

from ..reasons import Reason
from .http import HttpProblem
from .messages import DEFAULT_LOCALE, worded

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body), status_code=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def html_response(status: int, html: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        body=html,
        status_code=status,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            **SECURITY_HEADERS,
            **(headers or {}),
        },
    )


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body="", status_code=status, headers=dict(headers or {}))


def redirect(url: str, status: int = 303, headers: Mapping[str, str] | None = None) -> Response:
    return Response(body="", status_code=status, headers={"Location": url, **(headers or {})})


def problem_response(answer: HttpProblem, locale: str = DEFAULT_LOCALE, headers: Mapping[str, str] | None = None):
    """The documented error shape, `{"errors": {name: message}}`, worded in the locale."""
    return json_response(
        answer.status, {"errors": worded(answer.errors, locale)}, {**(headers or {}), **answer.headers}
    )


def problem(error: Exception) -> HttpProblem | None:
    """The HTTP answer to a domain error, or None for a real failure."""
    if isinstance(error, HttpProblem):
        return error
    for kind, answer in _answers().items():
        if isinstance(error, kind):
            status, errors, *headers = answer(error)
            return HttpProblem(status, errors, *headers)
    return None


def _answers() -> dict:
    # imported when a route fails, not with this module: app.py imports it for
    # its decorator, and the domain modules (pydantic, PynamoDB) should load
    # only when a route runs
    from ..capture.service import UnknownForm
    from ..capture.signup import RateLimited
    from ..capture.validation import InvalidSubmission
    from ..integrations.deliveries import NotFailed, UnknownDelivery
    from ..routing.deal import InvalidDetails
    from ..routing.errors import NoOpenAssignment, NotAccepted, OfferNotCurrent, RepRefused
    from ..scoring.stages import InvalidOutcome
    from ..storage.errors import UnknownLead, VersionConflict
    from ..storage.routing import RepBusy, UnknownRep

    return {
        InvalidSubmission: lambda e: (400, e.errors),
        UnknownForm: lambda e: (404, {"form_id": Reason("unknown_form")}),
        RateLimited: lambda e: (
            429,
            {"rate": Reason("rate_limited")},
            {"Retry-After": str(e.retry_after)},
        ),
        UnknownLead: lambda e: (404, {"lead_id": "no such lead"}),
        VersionConflict: lambda e: (503, {"lead": Reason("busy")}, {"Retry-After": "1"}),
        UnknownRep: lambda e: (404, {"rep_id": "no such rep"}),
        RepBusy: lambda e: (409, {"rep_id": "the rep has open assignments; close or reassign them first"}),
        NoOpenAssignment: lambda e: (404, {"lead_id": "the lead has no open assignment"}),
        OfferNotCurrent: lambda e: (409, {"assignment": Reason("offer_not_current")}),
        NotAccepted: lambda e: (409, {"assignment": Reason("not_accepted")}),
        RepRefused: lambda e: (400 if e.reason.key == "unknown_rep" else 409, {"rep_id": e.reason}),
        InvalidOutcome: lambda e: (400, {"outcome": e.args[0]}),
        InvalidDetails: lambda e: (400, e.errors),
        UnknownDelivery: lambda e: (404, {"delivery_id": "no such webhook delivery"}),
        NotFailed: lambda e: (
            409,
            {"delivery_id": f"only a failed delivery can be sent again; this one is {e.status}"},
        ),
    }


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
            return problem_response(answer)

    return wrapper


def answers_head(app):
    """HEAD answers as GET does (status, headers), without the body; the view
    itself must change nothing on GET (mail scanners prefetch links)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            if app.current_request.method == "HEAD":
                response.body = ""
            return response

        return wrapper

    return decorate
