"""A small fake of the admin API and of S3's presigned PUT on loopback, for
the command line's tests: real HTTP, answers set per test, every request
recorded as it arrived."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "cli-test-token"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


# an answer: (status, JSON body) or a function of the request giving one
Answer = tuple[int, object] | Callable[[Seen], tuple[int, object]]


@dataclass
class FakeApi:
    url: str = ""
    routes: dict[tuple[str, str], Answer] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def on(self, method: str, path: str, answer: Answer) -> None:
        self.routes[(method, path)] = answer

    def requests_to(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def handle(self, seen: Seen) -> tuple[int, object]:
        self.seen.append(seen)
        answer = self.routes.get((seen.method, seen.path))
        if answer is None:  # as API Gateway answers an unknown route
            return 403, {"message": "Missing Authentication Token"}
        if not seen.path.startswith("/upload/") and seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Unauthorized"}
        return answer(seen) if callable(answer) else answer


def run(fake: FakeApi, *args: str, token: str = TOKEN):
    """`leadflow --api <fake> ARGS` in process, with the right token."""
    from click.testing import CliRunner

    from leadflow_cli.main import cli

    return CliRunner().invoke(cli, ["--api", fake.url, *args], env={"LEADFLOW_TOKEN": token, "COLUMNS": "160"})


def serve(fake: FakeApi):
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            status, body = fake.handle(seen)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _any

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
