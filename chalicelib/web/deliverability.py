"""The sending reputation over HTTP: the deliverability report (reporting
scope) and the admin's resume of a paused scope."""

from __future__ import annotations

from chalice import Response

from ..analytics.funnel import InvalidRange, parse_range
from ..reasons import Reason
from ..reputation.figures import ALL, sequence_scope
from ..reputation.guard import NotPaused
from ..values import text_problem
from .http import HttpProblem, read_json
from .responses import json_response


def report(services, query: dict | None) -> Response:
    query = query or {}
    try:
        first, last = parse_range(query.get("from"), query.get("to"))
    except InvalidRange as error:
        raise HttpProblem(400, {"range": str(error)}) from None
    return json_response(200, services.deliverability.report(first, last))


def resume(services, raw_body: bytes | None) -> Response:
    """POST /sending/resume {"reason", "sequence"?}: all nurture mail, or one sequence."""
    body = read_json(raw_body)
    return json_response(200, resume_sending(services, body.get("reason"), body.get("sequence")))


def resume_sending(services, reason, sequence) -> dict:
    """The admin's resume (JSON API and console): the resume event. Raises
    HttpProblem 400 (no reason, unknown sequence), 409 (not paused)."""
    errors = {}
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        errors["reason"] = Reason("resume_reason", {"limit": 500})
    elif text_problem(reason):
        errors["reason"] = text_problem(reason)
    if sequence is not None and (not isinstance(sequence, str) or sequence not in services.playbook.nurture.sequences):
        errors["sequence"] = Reason("unknown_sequence")
    if errors:
        raise HttpProblem(400, errors)
    scope = sequence_scope(sequence) if sequence else ALL
    try:
        return services.sending_guard.resume(scope, reason.strip())
    except NotPaused:
        raise HttpProblem(409, {"sequence" if sequence else "sending": Reason("not_paused")}) from None
