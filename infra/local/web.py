"""HTTP for the local stack: the Chalice app through chalice.local's gateway
(the API Gateway emulation `chalice local` uses), the `/_local/*`
development routes next to it, and the demo landing page on its own origin.
The development routes live here, never in app.py: they are not packaged."""

from __future__ import annotations

import functools
import json
import re
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, ThreadedHTTPServer
from jinja2 import Environment, FileSystemLoader

from chalicelib.capture import render
from chalicelib.clock import epoch

DRAIN_TIMEOUT_SECONDS = 30
_LINK = re.compile(r"""https?://[^\s"'<>]+""")


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"), autoescape=True)


def _frame(html: str) -> str:
    # links in a mail open in the page, not inside the preview frame
    return '<base target="_top">' + html


class DevRoutes:
    """`/_local/*`: mailbox, drain, schedules, clock."""

    def __init__(self, stack, quiet: bool = False):
        self._stack = stack
        self.quiet = quiet  # no request log lines (benchmarks, tests)

    def handle(self, method: str, target: str, body: bytes) -> tuple[int, str, bytes]:
        url = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/_local/mailbox" and method == "GET":
            return _json(200, {"messages": self._stack.mailbox.messages(query.get("to"))})
        if path == "/_local/mailbox/" and method == "GET":
            return 200, "text/html; charset=utf-8", self._mailbox_page(query.get("to")).encode()
        if path == "/_local/drain" and method == "POST":
            drained = self._stack.pump.drain(DRAIN_TIMEOUT_SECONDS)
            return _json(200 if drained else 504, {"drained": drained})
        if path == "/_local/schedules" and method == "GET":
            return _json(200, {"schedules": [j.describe() for j in self._stack.pump.jobs.values()]})
        if path.startswith("/_local/schedules/") and method == "POST":
            name = path.rsplit("/", 1)[-1]
            if name not in self._stack.pump.jobs:
                return _json(404, {"errors": {"name": "no such schedule"}})
            ok = self._stack.pump.run_job(name)
            return _json(200 if ok else 500, self._stack.pump.jobs[name].describe())
        if path == "/_local/seed" and method == "GET":
            demo = self._stack.demo
            return _json(200, demo.state if demo else {"status": "off"})
        if path == "/_local/clock":
            if method == "POST":
                return self._advance(body)
            if method == "GET":
                return _json(200, self._clock())
        return _json(404, {"errors": {"path": "no such development route"}})

    def _clock(self) -> dict:
        clock = self._stack.clock
        return {"now": clock.now().isoformat(), "epoch": epoch(clock.now()), "offset_seconds": clock.offset_seconds}

    def _advance(self, body: bytes) -> tuple[int, str, bytes]:
        try:
            seconds = json.loads(body or b"{}")["advance_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise TypeError
            self._stack.clock.advance(seconds)
        except (ValueError, KeyError, TypeError):
            return _json(400, {"errors": {"advance_seconds": "must be a number of seconds, 0 or more"}})
        return _json(200, self._clock())

    def _mailbox_page(self, to: str | None) -> str:
        messages = []
        for message in reversed(self._stack.mailbox.messages(to)):
            links = list(dict.fromkeys(_LINK.findall(message["text"] or "") or _LINK.findall(message["html"] or "")))
            messages.append({**message, "links": links, "html_for_frame": _frame(message["html"] or "")})
        return _templates().get_template("mailbox.html").render(messages=messages, to=to)


def _json(status: int, body: Any) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()


class ApiRequestHandler(ChaliceRequestHandler):
    """chalice.local's handler, with `/_local/*` answered by DevRoutes."""

    def __init__(self, request, client_address, server, app_object, config, dev_routes: DevRoutes):
        self._dev_routes = dev_routes
        super().__init__(request, client_address, server, app_object, config)

    def _route(self) -> None:
        if not self.path.startswith("/_local/"):
            return self._generic_handle()
        length = int(self.headers.get("content-length") or 0)
        status, content_type, body = self._dev_routes.handle(self.command, self.path, self.rfile.read(length))
        self._send_http_response(status, {"Content-Type": content_type, "Cache-Control": "no-store"}, body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _route

    def _send_http_response(self, code: int, headers, body) -> None:
        """chalice.local writes a HEAD answer's body, which a kept-alive
        client then reads as the start of its next answer. HEAD gets the
        headers only; Content-Length is the body's that GET would get, or
        absent when the app sent none (RFC 9110 9.3.2, 8.6)."""
        if self.command != "HEAD":
            return super()._send_http_response(code, headers, body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        self.send_response(code)
        if body:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)

    def log_message(self, format: str, *args) -> None:
        if self._dev_routes.quiet:
            return
        super().log_message(format, *args)


def api_server(app, config, host: str, port: int, dev_routes: DevRoutes) -> ThreadedHTTPServer:
    # what chalice.local.create_local_server does: current_request becomes
    # thread-local, as requests are served on threads
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return _ApiServer(
        (host, port), functools.partial(ApiRequestHandler, app_object=app, config=config, dev_routes=dev_routes)
    )


class _ApiServer(ThreadedHTTPServer):
    # socketserver's backlog of 5 resets bursts of concurrent clients on a
    # busy machine, where API Gateway would take them all
    request_queue_size = 128


class LandingHandler(BaseHTTPRequestHandler):
    """Serves the demo landing page, the thanks and the confirmed page."""

    stack = None  # set on the subclass made by landing_server

    def do_GET(self) -> None:
        page = {
            "/": "landing.html",
            "/index.html": "landing.html",
            "/thanks.html": "thanks.html",
            "/confirmed.html": "confirmed.html",
        }.get(urlsplit(self.path).path)
        if page is None:
            self.send_error(404)
            return
        stack = self.stack
        form_id = "demo"
        form = stack.services.playbook.forms[form_id]
        html = (
            _templates()
            .get_template(page)
            .render(
                api=stack.api_url,
                origin=stack.landing_url,
                form_id=form_id,
                form=form,
                sender=stack.services.playbook.sender,
                labels={name: f.label.get(form.locale, name) for name, f in form.fields.items()},
                # signed on the app's clock, so the bot check (min_fill_seconds)
                # measures the person, not the clock offset
                render_field=render.FIELD,
                render_token=render.render_token(stack.services.signer, form_id, stack.clock.now()),
            )
            .encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(html)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(html)

    def log_message(self, format: str, *args) -> None:
        if not self.stack.options.quiet:
            super().log_message(format, *args)


def landing_server(stack, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("BoundLandingHandler", (LandingHandler,), {"stack": stack})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
