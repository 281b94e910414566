"""Console page times on the local stack (HTTP, signed in): each page 40
times, p50 and p95, for a lead with 1,000 activities, and as a ratio to
GET /health on the same server (the floor of any request). The lead page
reads the lead's whole partition (one paginated Query), so its time grows
with the lead's history; the other pages read bounded items."""

import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from infra.local.launch import start_stack

ACTIVITIES = 1000
ROUNDS = 40
ADMIN = {"Authorization": "Bearer leadflow-local-admin"}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        stack = start_stack(Path(folder) / "stack.log")
        try:
            api = stack.api
            lead_id = _lead_with_history(api, stack.render_token())
            browser = _signed_in(api)
            pages = {
                "health": f"{api}/health",
                "overview": f"{api}/console/overview",
                "leads": f"{api}/console/leads?stage=lead",
                "lead (1,000 activities)": f"{api}/console/leads/{lead_id}",
                "assignments": f"{api}/console/assignments",
                "reps": f"{api}/console/reps",
                "playbook": f"{api}/console/playbook",
            }
            times = {name: _times(browser, url) for name, url in pages.items()}
        finally:
            stack.stop()
    floor = statistics.median(times["health"])
    for name, measured in times.items():
        p50, p95 = statistics.median(measured), measured[int(0.95 * len(measured)) - 1]
        print(f"{name:24} p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  p50/health {p50 / floor:5.1f}x")


def _lead_with_history(api: str, render_token: str) -> str:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "consent": True, "_render_token": render_token, "first_name": "Bea"}
    assert requests.post(f"{api}/forms/demo/submissions", json=body, timeout=30).status_code == 202
    requests.post(f"{api}/_local/drain", timeout=40)
    [mail] = requests.get(f"{api}/_local/mailbox", params={"to": email}, timeout=10).json()["messages"]
    link = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", mail["text"]).group(0)
    location = requests.post(link, allow_redirects=False, timeout=10).headers["Location"]
    assert parse_qs(urlsplit(location).query)["lead"]
    lead_id = requests.get(f"{api}/leads", params={"email": email}, headers=ADMIN, timeout=10).json()["leads"][0][
        "lead_id"
    ]
    with requests.Session() as session:
        for n in range(ACTIVITIES):
            activity = {"type": "webinar_attended", "data": {"n": n}}
            assert session.post(f"{api}/leads/{lead_id}/activities", json=activity, headers=ADMIN, timeout=10).ok
    requests.post(f"{api}/_local/drain", timeout=40)
    return lead_id


def _signed_in(api: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{api}/console/login", timeout=10).text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', form).group(1)
    answer = browser.post(
        f"{api}/console/login", data={"_csrf": csrf, "token": "leadflow-local-admin"}, allow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return browser


def _times(browser: requests.Session, url: str) -> list[float]:
    measured = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        answer = browser.get(url, timeout=30)
        measured.append(time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code)
    return sorted(measured)
