"""`POST /forms/{form_id}/submissions`, its CORS preflight, and
`GET /forms/{form_id}/token` (the render token for static pages)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..capture import render
from ..capture.signup import RequestMeta
from ..playbook.forms import FieldType
from ..reasons import Reason
from .http import HttpProblem, accepted_locale, accepts_html, client, cors_headers, prefers_html, read_fields
from .messages import DEFAULT_LOCALE, LOCALES, worded
from .pages import render_page
from .responses import empty_response, html_response, json_response, problem, problem_response, redirect
from .texts import TEXTS


def submit(services, form_id: str, request) -> object:
    capture = services.capture
    headers = request.headers
    form = None
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
        return _refused(answer, form, headers, cors)
    # the same answer for new, pending, confirmed, suppressed and bot posts
    if prefers_html(headers):
        return redirect(str(form.success_url), headers=cors)
    return json_response(202, {"status": "pending_confirmation"}, cors)


def _refused(answer: HttpProblem, form, headers, cors: dict[str, str]) -> object:
    """In the form's language (`Accept-Language` when no form decides): JSON
    for scripts; for a browser the form's error_url or a page that lists the
    problems and links back to the form."""
    locale = form.locale if form else accepted_locale(headers, LOCALES, DEFAULT_LOCALE)
    if not accepts_html(headers):
        return problem_response(answer, locale, cors)
    if form is not None and form.error_url:
        return redirect(str(form.error_url), headers=cors)
    problems = [(_label(form, name, locale), message) for name, message in worded(answer.errors, locale).items()]
    html = render_page("form_errors", locale, problems=problems, back=_back_link(headers, form))
    return html_response(answer.status, html, {**cors, **answer.headers})


def _label(form, name: str, locale: str) -> str | None:
    """How the form names the field to the person; None for what is no field
    (the body, the rate limit)."""
    definition = form.fields.get(name) if form else None
    if definition is None:
        return None
    if definition.type is FieldType.consent:
        return definition.label.get(locale) or TEXTS[locale]["consent_label"]
    return definition.label.get(locale) or name


def _back_link(headers, form) -> str | None:
    """The page the post came from, else the start page of the form's site."""
    referer = urlsplit(headers.get("referer") or "")
    if referer.scheme in ("http", "https") and referer.netloc:
        return referer.geturl()
    if form is None:
        return None
    site = urlsplit(str(form.success_url))
    return f"{site.scheme}://{site.netloc}/"


def _form(services, form_id: str):
    form = services.playbook.forms.get(form_id)
    if form is None:
        raise HttpProblem(404, {"form_id": Reason("unknown_form")})
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
