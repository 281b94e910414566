"""A stand-in CRM for trying integration webhooks locally: an HTTP server on
loopback that records every POST and can answer slowly, and a copy of a
playbook subscribed to it. The end-to-end test of a hanging receiver and
`bench_webhooks` use it."""

from __future__ import annotations

import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from chalicelib.playbook import DEFAULT_PATH

SECRET_VARIABLE = "LEADFLOW_LOCAL_CRM_SECRET"
EVENTS = ["lead.confirmed", "lead.stage_changed", "lead.unsubscribed"]


class CrmReceiver:
    """Answers each POST with 200 after `delay` seconds; a delay longer than
    the sender's timeout makes a hanging CRM. `waiting` counts the requests
    whose sender is still connected, waiting for the answer."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.bodies: list[bytes] = []
        self.answered = 0
        self.waiting = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.bodies.append(body)
                    receiver.waiting += 1
                try:
                    if receiver._hold(self.connection):
                        self.send_response(200)
                        self.end_headers()
                        with receiver._lock:
                            receiver.answered += 1
                finally:
                    with receiver._lock:
                        receiver.waiting -= 1

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _hold(self, connection: socket.socket) -> bool:
        """Waits out the delay; False if the sender hung up first (an EOF)."""
        deadline = time.monotonic() + self.delay
        while not self._released.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([connection], [], [], 0.05)
            if readable and not connection.recv(1, socket.MSG_PEEK):
                return False
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/leadflow"

    def __enter__(self) -> CrmReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()


def subscribed_playbook(target: Path, url: str, timeout_seconds: float, retry_seconds: int) -> Path:
    """The shipped playbook with every integration event subscribed to `url`
    (its secret from SECRET_VARIABLE), a failed post tried again every
    `retry_seconds`, written to `target`."""
    playbook = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    playbook["integrations"] = {
        "webhooks": [{"url": url, "events": EVENTS, "secret": f"${{{SECRET_VARIABLE}}}"}],
        "delivery": {
            "timeout_seconds": timeout_seconds,
            "first_retry_seconds": retry_seconds,
            "max_retry_seconds": retry_seconds,
        },
    }
    target.write_text(yaml.safe_dump(playbook, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
