"""Speed to lead on the local stack: the time from a hand-raiser activity
being accepted (202 on POST /events with the lead's signed token) to the
rep's e-mail in the local mailbox, over 200 confirmed leads, one at a time
(goal: p95 <= 1 s). The path is the product's: activity item -> stream ->
scoring -> stage change -> stream -> FIFO routing queue -> router -> SES.
The stack starts without its demo sales team (LEADFLOW_SEED=none): the one
rep is the benchmark's own, made through the admin API."""

import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from infra.local.launch import start_stack

LEADS = 200
ADMIN = {"Authorization": "Bearer leadflow-local-admin"}
PROFILE = {"company_size": "51-200", "industry": "software", "country": "DE", "job_title": "Head of Sales"}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        stack = start_stack(Path(folder) / "stack.log", LEADFLOW_SEED="none")
        try:
            api = stack.api
            tokens = []
            render_token = stack.render_token()  # reused: valid for a day
            for number in range(LEADS):
                if number % 25 == 0:  # past the playbook's per-IP limit (30 an hour, all from loopback)
                    requests.post(f"{api}/_local/clock", json={"advance_seconds": 3600}, timeout=10)
                tokens.append(_confirmed_lead(api, render_token))
            latencies = [_hand_raiser_to_rep_mail(api, n, email, token) for n, (email, token) in enumerate(tokens)]
        finally:
            stack.stop()
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(
        f"hand-raiser 202 -> rep e-mail in mailbox, {LEADS} leads: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms, p95/p50 {p95 / p50:.1f}x"
    )


def _wait_for(api: str, to: str, contains: str) -> dict:
    started = time.monotonic()
    while True:
        for message in requests.get(f"{api}/_local/mailbox", params={"to": to}, timeout=10).json()["messages"]:
            if contains in message["text"]:
                return message
        if time.monotonic() - started > 30:
            raise RuntimeError(f"no mail to {to} after 30 s")
        time.sleep(0.005)


def _confirmed_lead(api: str, render_token: str) -> tuple[str, str]:
    email = f"bench-{uuid.uuid4().hex[:10]}@acme.example"
    answer = requests.post(
        f"{api}/forms/demo/submissions",
        json={"email": email, "consent": True, "_render_token": render_token, **PROFILE},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    link = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", _wait_for(api, email, "/confirm/")["text"]).group(0)
    confirmed = requests.post(link, allow_redirects=False, timeout=10)
    return email, parse_qs(urlsplit(confirmed.headers["Location"]).query)["lead"][0]


def _hand_raiser_to_rep_mail(api: str, number: int, email: str, token: str) -> float:
    # a fresh address for the one rep each time, so polling the mailbox reads
    # one message, not all of them (that would load the stack it measures)
    rep_mail = f"bench-rep-{number}@sales.example"
    rep = {"name": "Bench Rep", "email": rep_mail, "pools": ["dach"], "capacity": 10_000}
    assert requests.put(f"{api}/reps/bench-rep", json=rep, headers=ADMIN, timeout=10).status_code in (200, 201)
    answer = requests.post(f"{api}/events", json={"lead": token, "type": "demo_request"}, timeout=10)
    assert answer.status_code == 202, answer.text
    accepted = time.monotonic()
    _wait_for(api, rep_mail, email)
    return time.monotonic() - accepted


if __name__ == "__main__":
    main()
