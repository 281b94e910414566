"""`POST /events` (public, CORS per the playbook) and the admin routes that
add server-side activities and edit a lead's profile."""

from __future__ import annotations

import json

from ..admin.lead_view import lead_view
from ..clock import epoch
from .http import HttpProblem, cors_headers, read_fields
from .responses import empty_response, json_response, problem, problem_response


def _body(services, request) -> dict:
    fields = read_fields(request.headers, request.raw_body, services.playbook.capture.max_body_bytes)
    # JSON values arrive as they were sent; form posts as lists of one
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in fields.items()}


def post_event(services, request) -> object:
    cors = cors_headers(request.headers.get("origin"), services.playbook.activities.allowed_origins)
    try:
        services.activities.record_web(_body(services, request))
    except Exception as error:
        answer = problem(error)
        if answer is None:
            raise
        return problem_response(answer, headers=cors)
    # also when the lead is gone or unsubscribed: a token reveals nothing
    return json_response(202, {"status": "accepted"}, cors)


def preflight(services, request) -> object:
    return empty_response(
        204, cors_headers(request.headers.get("origin"), services.playbook.activities.allowed_origins)
    )


def add_activity(services, lead_id: str, request) -> object:
    body = _json_object(request)
    return json_response(201, services.activities.record_server(lead_id, body))


def edit_profile(services, lead_id: str, request) -> object:
    services.activities.edit_profile(lead_id, _json_object(request))
    return json_response(200, lead_view(services.leads.items(lead_id), epoch(services.clock.now())))


def _json_object(request) -> dict:
    try:
        body = json.loads(request.raw_body or b"{}")
    except ValueError:
        raise HttpProblem(400, {"body": "is not valid JSON"}) from None
    if not isinstance(body, dict):
        raise HttpProblem(400, {"body": "must be a JSON object"})
    return body
