"""`leadflow funnel` with its revenue table and `leadflow sending` as a person
runs them, against the local stack: deals won through the admin API reach
the report through the stream consumer, and the command prints them."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .test_cli_import_local import leadflow
from .test_local_stack import address, confirm_link
from .test_routing_local import GOOD_FIT

pytestmark = pytest.mark.e2e


def stack_day(api) -> str:
    return requests.get(f"{api.url}/_local/clock", timeout=10).json()["now"][:10]


def won_sql(api, email: str, source: str, value: str, currency: str) -> None:
    """A demo lead from `source` that becomes an SQL, is accepted and won, all through the API."""
    assert api.submit(email, first_name="Wendy", utm_source=source, **GOOD_FIT).status_code == 202
    api.drain()
    confirmed = requests.post(confirm_link(api.mail_to(email)[0]), allow_redirects=False, timeout=10)
    token = parse_qs(urlsplit(confirmed.headers["Location"]).query)["lead"][0]
    assert requests.post(f"{api.url}/events", json={"lead": token, "type": "demo_request"}, timeout=10).ok
    api.drain()
    lead_id = api.lead(email)["lead_id"]
    act = f"{api.url}/assignments/{lead_id}"
    assert requests.post(f"{act}/accept", json={}, headers=api.admin, timeout=10).status_code == 200
    won = {"outcome": "won", "value": value, "currency": currency}
    answer = requests.post(f"{act}/outcome", json=won, headers=api.admin, timeout=10)
    assert answer.status_code == 200, answer.text
    api.drain()


def test_funnel_prints_deals_won_per_source_in_their_own_currencies(api):
    source = f"cli-{uuid.uuid4().hex[:6]}"
    won_sql(api, address("eur"), source, "1200", "EUR")
    won_sql(api, address("usd"), source, "300.50", "USD")
    day = stack_day(api)

    result = leadflow(api, "funnel", "--from", day, "--to", day)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    at = next(n for n, line in enumerate(lines) if f"source {source}" in line)
    eur, usd = ([cell.strip() for cell in line.split("│")] for line in lines[at : at + 2])
    assert eur[1:6] == [f"source {source}", "1", "EUR", "1,200.00", "1,200.00"]
    assert usd[1:6] == ["", "1", "USD", "300.50", "300.50"]
    assert "100% of 2" in lines[at]  # both SQLs offered were accepted
    assert "1,500.50" not in result.stdout  # two currencies, never one sum


def test_sending_shows_the_default_guard_with_too_few_sends_and_resume_says_nothing_is_paused(api):
    assert api.submit(address("sent")).status_code == 202  # an opt-in mail, counted for today
    api.drain()
    day = stack_day(api)

    shown = leadflow(api, "sending", "--from", day, "--to", day)
    resumed = leadflow(api, "sending", "resume", "--reason", "list cleaned")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "judged from 500 sends on" in shown.stdout and "Nothing is paused." in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if "│ opt_in" in line)
    assert int(row.split("│")[3]) >= 1 and row.count("too few sends") == 2
    assert resumed.returncode == 2
    assert resumed.stderr.strip() == "Error: Nurture mail is not paused: nothing to resume."
