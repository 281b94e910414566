"""A moto server on loopback as the benchmarks' backend (the same HTTP path
the local stack uses), with the app's table created from infra/.

One server serves every benchmark of a run: the app's services are built
once per process (as in a warm Lambda) and keep the endpoint they were built
with, so each benchmark gets the same server back, emptied, and the server
stops when the run ends."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "LEADFLOW_TABLE": "leadflow",
    "LEADFLOW_LEAD_KEY": "bench-lead-key",
    "LEADFLOW_SIGNING_KEYS": "k1:bench-signing-key",
    "LEADFLOW_ADMIN_TOKEN": "bench-admin-token",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# moto in its own process, like a remote DynamoDB: sharing the benchmark's
# interpreter would make the client and the server compete for one GIL
_SERVER = (
    "import logging, sys; logging.getLogger('werkzeug').setLevel(logging.ERROR);"
    "from infra.local import moto_fixes; moto_fixes.apply();"
    "from moto.server import main; main(['-H', '127.0.0.1', '-p', sys.argv[1]])"
)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("moto server did not start")


_endpoint: str | None = None


def _shared_endpoint() -> str:
    global _endpoint
    if _endpoint is None:
        from chalicelib.storage import models

        # set before the app's first connection: moto answers the 90-day
        # funnel query (~9,000 counter values) in seconds on a loaded
        # machine, past the read timeout the app keeps for DynamoDB
        models._TableMeta.read_timeout_seconds = 120
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], stderr=subprocess.DEVNULL)
        atexit.register(lambda: (server.terminate(), server.wait()))
        _wait_for(port)
        _endpoint = f"http://127.0.0.1:{port}"
    return _endpoint


@contextmanager
def moto_backend():
    """The shared server, emptied, with the app's tables."""
    os.environ.update(BENCH_ENV)
    endpoint = _shared_endpoint()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).read()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        import boto3

        from infra.resources import create_tables

        dynamodb = boto3.client("dynamodb")
        create_tables(dynamodb)
        boto3.client("ses").verify_email_identity(EmailAddress="hello@leadflow.example")
        yield dynamodb
    finally:
        # benchmarks on in-process moto after this one must not talk to the server
        os.environ.pop("AWS_ENDPOINT_URL", None)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
