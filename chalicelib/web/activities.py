"""`POST /events` (public, CORS per the playbook) and the admin routes that
add server-side activities and edit a lead's profile."""

from __future__ import annotations

from ..admin.lead_view import lead_view
from ..clock import epoch
from .http import cors_headers, read_fields, read_json
from .responses import empty_response, json_response, problem, problem_response


def _body(services, request) -> dict:
    fields = read_fields(request.headers, request.raw_body, services.playbook.capture.max_body_bytes)
    # JSON values arrive as they were sent; form posts as lists of one
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in fields.items()}


def post_event(services, request) -> object:
    cors = cors_headers(request.headers.get("origin"), services.playbook.activities.allowed_origins)
    try:
        renewed = services.activities.record_web(_body(services, request))
    except Exception as error:
        answer = problem(error)
        if answer is None:
            raise
        return problem_response(answer, headers=cors)
    # also when the lead is gone or unsubscribed: a token reveals nothing;
    # the renewed token goes in the body, never in a URL
    return json_response(202, {"status": "accepted", "lead": renewed}, cors)


def preflight(services, request) -> object:
    return empty_response(
        204, cors_headers(request.headers.get("origin"), services.playbook.activities.allowed_origins)
    )


def add_activity(services, lead_id: str, request) -> object:
    body = read_json(request.raw_body)
    return json_response(201, services.activities.record_server(lead_id, body))


def edit_profile(services, lead_id: str, request) -> object:
    services.activities.edit_profile(lead_id, read_json(request.raw_body))
    return json_response(200, lead_view(services.leads.items(lead_id), epoch(services.clock.now())))
