"""`GET /confirm/{token}` (a page with a button; never changes state: mail
scanners prefetch links) and `POST /confirm/{token}` (confirms)."""

from __future__ import annotations

from ..capture import render
from .http import client
from .pages import reader_locale, render_page
from .responses import html_response, redirect

_STATUS = {"valid": 200, "confirmed": 200, "expired": 410, "invalid": 404}


def _page(services, token: str, state, headers) -> object:
    playbook = services.playbook
    form = playbook.forms.get(state.form_id) if state.form_id else None
    locale = form.locale if form else reader_locale(headers)
    public = services.settings.public_url
    html = render_page(
        "confirm",
        locale,
        state={"valid": "confirm"}.get(state.status, state.status),
        action=f"{public}/confirm/{token}",
        resend_action=f"{public}/forms/{state.form_id}/submissions",
        render_field=render.FIELD,
        render_token=render.render_token(services.signer, state.form_id, services.clock.now()) if form else None,
        form=form,
    )
    return html_response(_STATUS[state.status], html)


def show(services, token: str, request) -> object:
    return _page(services, token, services.opt_in.link_state(token), request.headers)


def confirm(services, token: str, request) -> object:
    ip, user_agent = client(request.context, request.headers)
    state, target = services.opt_in.confirm(token, ip, user_agent)
    if target:
        return redirect(target)
    return _page(services, token, state, request.headers)
