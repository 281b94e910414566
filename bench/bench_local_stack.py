"""The local stack as a user meets it: start-up time of `python -m
infra.local`, and the time from a submission's 202 to its opt-in mail in the
local mailbox, over 100 sequential submissions (goal: p95 <= 1 s)."""

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests

from infra.local.launch import start_stack

SUBMISSIONS = 100


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        stack = start_stack(Path(folder) / "stack.log")
        startup = time.monotonic() - started
        try:
            latencies = []
            token = stack.render_token()  # reused: valid for a day
            for number in range(SUBMISSIONS):
                if number % 25 == 0:  # past the playbook's per-IP limit (30 an hour, all from loopback)
                    requests.post(f"{stack.api}/_local/clock", json={"advance_seconds": 3600}, timeout=10)
                latencies.append(submit_to_mail(stack.api, token)[0])
        finally:
            stack.stop()
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(f"start-up (spawn to first healthy answer): {startup:.2f} s")
    print(
        f"submit 202 -> opt-in mail in mailbox, {SUBMISSIONS} submissions: "
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms, "
        f"p95/p50 {p95 / p50:.1f}x"
    )


def submit_to_mail(api: str, token: str) -> tuple[float, dict]:
    """Seconds from a new signup's 202 to its opt-in mail, and the mail."""
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    session = requests.Session()
    answer = session.post(
        f"{api}/forms/demo/submissions", json={"email": email, "consent": True, "_render_token": token}, timeout=10
    )
    assert answer.status_code == 202, answer.text
    accepted = time.monotonic()
    while not (messages := session.get(f"{api}/_local/mailbox", params={"to": email}, timeout=10).json()["messages"]):
        if time.monotonic() - accepted > 30:
            raise RuntimeError("no opt-in mail for a submission after 30 s")
        time.sleep(0.01)
    return time.monotonic() - accepted, messages[0]


if __name__ == "__main__":
    main()
