"""Starts the local stack as a subprocess (`python -m infra.local`) on free
ports and waits until it answers: used by the end-to-end tests and the
benchmark, which talk to it over HTTP only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60  # seconds; generous for a loaded CI machine


def free_port_pair() -> int:
    """A port P with P+1 also free (API and landing page)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two adjacent free ports")


@dataclass
class RunningStack:
    process: subprocess.Popen
    api: str
    landing: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_stack(log: Path, **env) -> RunningStack:
    port = free_port_pair()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LEADFLOW_"))}
    clean.update({"LEADFLOW_PORT": str(port), "LEADFLOW_LOCAL_QUIET": "1", "PYTHONUNBUFFERED": "1", **env})
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"], cwd=ROOT, env=clean, stdout=sink, stderr=subprocess.STDOUT
        )
    stack = RunningStack(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}", log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"local stack exited with {process.returncode}:\n{stack.output()}")
        try:
            if requests.get(f"{stack.api}/health", timeout=1).status_code == 200:
                return stack
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or its first answer (building the app's clients) is slow
        time.sleep(0.1)
    stack.stop()
    raise RuntimeError(f"local stack not ready after {START_TIMEOUT} s:\n{stack.output()}")
