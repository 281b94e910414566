"""The embedded AWS: moto's server on loopback in this process, with a tap
that notes what SES keeps to itself.

moto stores a sent message without its tags and configuration set, which
the mailbox shows and SES events carry (`mail.tags`); the tap reads them
from the SendRawEmail/SendEmail request on its way in."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


@dataclass(frozen=True)
class SentMail:
    """What SES was told about a message beyond its MIME."""

    message_id: str
    configuration_set: str | None
    tags: dict[str, str] = field(default_factory=dict)


def _v1_send(body: bytes) -> tuple[str | None, dict[str, str]] | None:
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    if form.get("Action") not in ("SendRawEmail", "SendEmail"):
        return None
    tags = {}
    n = 1
    while f"Tags.member.{n}.Name" in form:
        tags[form[f"Tags.member.{n}.Name"]] = form.get(f"Tags.member.{n}.Value", "")
        n += 1
    return form.get("ConfigurationSetName"), tags


def _v2_send(body: bytes) -> tuple[str | None, dict[str, str]]:
    request = json.loads(body or b"{}")
    return request.get("ConfigurationSetName"), {t["Name"]: t["Value"] for t in request.get("EmailTags", [])}


class SesTap:
    """WSGI middleware: passes every request through unchanged and reports
    each accepted SES send to `on_send`."""

    def __init__(self, app, on_send: Callable[[SentMail], None]):
        self._app = app
        self._on_send = on_send

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or "/ses/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
            return self._app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        v2 = environ.get("PATH_INFO", "").startswith("/v2/email/outbound-emails")
        send = _v2_send(body) if v2 else _v1_send(body)
        if send is None:
            return self._app(environ, start_response)
        status = {}

        def remember(code, headers, exc_info=None):
            status["code"] = code
            return start_response(code, headers, exc_info)

        answer = b"".join(self._app(environ, remember))
        found = re.search(rb'<MessageId>([^<]+)</MessageId>|"MessageId"\s*:\s*"([^"]+)"', answer)
        if status.get("code", "").startswith("200") and found:
            message_id = (found.group(1) or found.group(2)).decode()
            self._on_send(SentMail(message_id, *send))
        return [answer]


class EmbeddedAws:
    def __init__(self, on_ses_send: Callable[[SentMail], None], host: str = "127.0.0.1", port: int = 0):
        app = SesTap(DomainDispatcherApplication(create_backend_app), on_ses_send)
        self._server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
