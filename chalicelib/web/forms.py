"""`POST /forms/{form_id}/submissions`, its CORS preflight, and
`GET /forms/{form_id}/token` (the render token for static pages)."""

from __future__ import annotations

from ..capture import render
from ..capture.signup import RequestMeta
from .http import HttpProblem, client, cors_headers, prefers_html, read_fields
from .responses import empty_response, json_response, problem, redirect


def submit(services, form_id: str, request) -> object:
    capture = services.capture
    headers = request.headers
    cors: dict[str, str] = {}
    try:
        form = capture.form(form_id)
        cors = cors_headers(headers.get("origin"), form.allowed_origins)
        values = read_fields(headers, request.raw_body, services.playbook.capture.max_body_bytes)
        ip, user_agent = client(request.context, headers)
        meta = RequestMeta(at=services.clock.now(), ip=ip, user_agent=user_agent, page_url=headers.get("referer"))
        capture.submit(form_id, values, meta)
    except Exception as error:
        answer = problem(error)
        if answer is None:
            raise
        return json_response(answer.status, {"errors": dict(answer.errors)}, {**cors, **answer.headers})
    # the same answer for new, pending, confirmed, suppressed and bot posts
    if prefers_html(headers):
        return redirect(str(form.success_url), headers=cors)
    return json_response(202, {"status": "pending_confirmation"}, cors)


def _form(services, form_id: str):
    form = services.playbook.forms.get(form_id)
    if form is None:
        raise HttpProblem(404, {"form_id": "unknown form"})
    return form


def preflight(services, form_id: str, request) -> object:
    form = _form(services, form_id)
    return empty_response(204, cors_headers(request.headers.get("origin"), form.allowed_origins))


def render_token(services, form_id: str, request) -> object:
    """A fresh token per page view: never cached, for the form's origins."""
    form = _form(services, form_id)
    token = render.render_token(services.signer, form_id, services.clock.now())
    cors = cors_headers(request.headers.get("origin"), form.allowed_origins, methods="GET")
    return json_response(200, {"field": render.FIELD, "token": token}, {**cors, "Cache-Control": "no-store"})
