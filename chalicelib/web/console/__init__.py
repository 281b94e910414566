"""The console (`/console/...`): server-rendered pages for marketers and
sales. app.py hands every console request to `handle`, which signs in and
out, checks the session, the scope and (on every POST) the CSRF token,
then calls the page. Pages use the same chalicelib services as the JSON
API. A rep's own view (`/console/rep/<signed link>`) needs no session: the
signed link from the rep's mail is the credential."""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from ..http import MAX_BODY
from ..responses import problem
from .render import Reader, page, see_other, stylesheet_response
from .session import Session, Sessions

LOGIN = "/console/login"
HOME = "/console/overview"
# what a `reporting` token may open: the reports, nothing that names a lead
REPORT_PAGES = frozenset({"overview"})


class Request:
    """What a page needs from the HTTP request, without Chalice."""

    def __init__(self, services, request):
        self.services = services
        self.method = request.method
        self.headers = request.headers
        self.query = request.query_params or {}
        params = request.uri_params or {}
        self.page = params.get("page", "")
        self.item = params.get("item")
        self.action = params.get("action")
        self.reader = Reader(request, services.settings.public_url)
        self.t = self.reader.t
        self.form = _fields(request.raw_body) if self.method == "POST" else {}
        self.session: Session | None = None

    def field(self, name: str, default: str = "") -> str:
        return (self.form.get(name) or [default])[0]

    def fields(self) -> dict[str, str]:
        """Each form field's first value, as the rep-link form hands them on."""
        return {name: values[0] for name, values in self.form.items()}

    def render(self, status: int, template: str, *cookies: str, **context):
        return page(self.reader, status, template, cookies, session=self.session, **context)

    def message(self, status: int, title: str, intro: str, back: str | None = None):
        return self.render(status, "message", title=title, intro=intro, back=back, errors=None)


def _fields(raw_body: bytes | None) -> dict[str, list[str]]:
    body = (raw_body or b"")[:MAX_BODY]
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def sessions(services) -> Sessions:
    from ...storage.sessions import SessionStore

    return Sessions(services.signer, services.secrets, SessionStore(), services.clock, services.settings.public_url)


def handle(services, chalice_request):
    request = Request(services, chalice_request)
    if request.page == "static" and request.item == "console.css" and request.method == "GET":
        return stylesheet_response()
    if request.page == "":
        return see_other(HOME)
    if request.page == "login":
        return _login(request)
    if request.page == "rep":
        from . import rep_view

        return _answering_problems(request, rep_view.handle)
    request.session = sessions(services).current(request.headers)
    if request.session is None:
        return see_other(LOGIN)
    if request.method == "POST" and not sessions(services).csrf_ok(request.session, request.field("_csrf")):
        return request.message(403, request.t["csrf_title"], request.t["csrf_intro"])
    if request.page == "logout" and request.method == "POST":
        return see_other(LOGIN, (sessions(services).end(request.session),))
    if not request.session.may("admin") and not (request.page in REPORT_PAGES and request.session.may("reporting")):
        return request.message(403, request.t["forbidden_title"], request.t["forbidden_intro"])
    from .views import PAGES

    view = PAGES.get((request.page, request.method))
    if view is None:
        return not_found(request)
    return _answering_problems(request, view)


def not_found(request: Request):
    return request.message(404, request.t["not_found_title"], request.t["not_found_intro"], back=HOME)


def _answering_problems(request: Request, view):
    """Domain errors (bad input, unknown ids, an offer answered meanwhile)
    become a page with their 4xx and the messages; nothing was changed."""
    from ..messages import worded

    try:
        return view(request)
    except Exception as error:
        answer = problem(error)
        if answer is None:
            raise
        if answer.status == 404:
            return not_found(request)
        errors = worded(answer.errors, request.reader.locale)
        # a refused form goes back to the page that holds it (the lead's, the rep's)
        back = f"/console/{request.page}/{quote(request.item, safe='')}" if request.action and request.item else None
        return request.render(
            answer.status, "message", title=request.t["not_done_title"], intro="", errors=errors, back=back
        )


def _login(request: Request):
    flow = sessions(request.services)
    if request.method == "POST":
        if not flow.login_form_ok(request.headers, request.field("_csrf")):
            return _login_form(request, flow, request.t["login_expired"], 403)
        cookie = flow.start(request.field("token").strip())
        if cookie is None:
            return _login_form(request, flow, request.t["login_failed"], 401)
        return see_other(HOME, (cookie,))
    if request.method != "GET":
        return not_found(request)
    return _login_form(request, flow, None, 200)


def _login_form(request: Request, flow: Sessions, error: str | None, status: int):
    cookie, token = flow.login_form()
    return request.render(status, "login", cookie, csrf=token, error=error)
