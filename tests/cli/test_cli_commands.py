"""`leadflow leads | lead | reps | funnel` against a fake API over real HTTP,
and how the command line fails: one sentence, exit code 2, no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from leadflow_cli.main import LISTED_STAGES
from tests.cli.fake_api import TOKEN, run

ROOT = Path(__file__).resolve().parents[2]
LEAD = {
    "lead_id": "o5ofc77swh3gyps6innz2mwz2m",
    "email": "ann@example.com",
    "status": "confirmed",
    "stage": "mql",
    "profile": {"first_name": "[bold red]Ann[/]", "company": "ACME"},
    "score": 42,
    "temperature": "warm",
    "updated_at": "2026-11-30T09:14:05.120Z",
}


def test_leads_of_one_stage_show_each_lead_with_its_values_as_text(fake):
    fake.on("GET", "/leads", (200, {"leads": [LEAD], "next_cursor": None}))

    result = run(fake, "leads", "--stage", "mql", "--limit", "5")

    assert result.exit_code == 0, result.output
    [seen] = fake.requests_to("GET", "/leads")
    assert seen.query == {"stage": ["mql"], "limit": ["5"]}
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert "o5ofc77swh3gyps6innz2mwz2m" in result.output and "ann@example.com" in result.output
    assert "[bold red]Ann[/]" in result.output  # a lead's value is never rich markup


def test_leads_without_a_stage_list_every_scored_stage(fake):
    fake.on(
        "GET",
        "/leads",
        lambda seen: (200, {"leads": [LEAD], "next_cursor": "c"} if seen.query["stage"] == ["mql"] else {"leads": []}),
    )

    result = run(fake, "leads")

    assert result.exit_code == 0, result.output
    assert [s.query["stage"][0] for s in fake.requests_to("GET", "/leads")] == list(LISTED_STAGES)
    assert "mql: 1 lead (the best; more with a higher --limit)" in result.output
    assert "sql: 0 leads " in result.output  # no "more" without a cursor


def test_lead_by_id_shows_why_it_scored_what_it_scored(fake):
    view = LEAD | {
        "scoring": {"score": 42, "fit": 30, "engagement": 12, "temperature": "warm", "breakdown": [
            {"rule": "job_title_decision_maker", "kind": "fit", "points": 30},
            {"rule": "pricing_view", "kind": "engagement", "points": 12},
        ]},
        "stage_changes": [{"from_stage": "lead", "to_stage": "mql", "at": "2026-11-30T09:14:05.120Z"}],
        "activities": [{"type": "pricing_view", "at": "2026-11-30T09:10:00.000Z", "source": "web"}],
        "consents": [{"given_at": "2026-11-29T08:00:00.000Z", "form_id": "demo", "consent_version": "2026-11-01",
                      "ip": "203.0.113.9", "confirmed_at": "2026-11-29T08:25:00.000Z", "confirmed_ip": "203.0.113.9"}],
    }  # fmt: skip
    fake.on("GET", f"/leads/{LEAD['lead_id']}", (200, view))

    result = run(fake, "lead", LEAD["lead_id"])

    assert result.exit_code == 0, result.output
    assert "job_title_decision_maker" in result.output and "pricing_view" in result.output
    assert "2026-11-30 09:14" in result.output
    consent = next(line for line in result.output.splitlines() if "2026-11-01" in line)
    assert all(value in consent for value in ("2026-11-29 08:00", "203.0.113.9", "2026-11-29 08:25"))


def test_lead_by_address_finds_it_through_the_email_lookup(fake):
    fake.on("GET", "/leads", lambda seen: (200, {"leads": [LEAD] if seen.query.get("email") else []}))

    found = run(fake, "lead", "ann@example.com")
    fake.routes[("GET", "/leads")] = (200, {"leads": []})
    missing = run(fake, "lead", "nobody@example.com")

    assert found.exit_code == 0 and "ACME" in found.output
    assert fake.requests_to("GET", "/leads")[0].query == {"email": ["ann@example.com"]}
    assert missing.exit_code == 2 and "No lead has the address nobody@example.com." in missing.output


def test_an_unknown_lead_is_a_sentence_from_the_api_answer(fake):
    fake.on("GET", "/leads/nope", (404, {"errors": {"lead_id": "no such lead"}}))

    result = run(fake, "lead", "nope")

    assert result.exit_code == 2
    assert "GET /leads/nope was refused (404): lead_id: no such lead" in result.output


def test_reps_show_pools_capacity_and_open_assignments(fake):
    rep = {"rep_id": "anna-schmidt", "name": "Anna Schmidt", "email": "anna@sales.example", "pools": ["dach"],
           "capacity": 20, "open_assignments": 3, "capacity_left": 17, "out_of_office": True}  # fmt: skip
    fake.on("GET", "/reps", (200, {"reps": [rep]}))

    result = run(fake, "reps")

    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "anna-schmidt" in line)
    assert all(value in row for value in ("dach", "20", "3", "17", "out of office"))


def test_funnel_asks_for_the_range_and_filters_and_shows_conversion(fake):
    stages = [
        {"stage": "lead", "entered": 40, "conversion_to_next": 0.25, "median_seconds_in_stage": 3 * 86400},
        {"stage": "mql", "entered": 10, "conversion_to_next": None, "median_seconds_in_stage": None},
    ]
    fake.on("GET", "/reports/funnel", lambda seen: (200, {"from": "2026-11-01", "to": "2026-11-30", "filters": {},
                                                          "stages": stages, "recycled": 2}))  # fmt: skip
    fake.on("GET", "/reports/revenue", (200, {}))

    result = run(fake, "funnel", "--from", "2026-11-01", "--to", "2026-11-30", "--campaign", "spring")

    assert result.exit_code == 0, result.output
    assert fake.requests_to("GET", "/reports/funnel")[0].query == {
        "from": ["2026-11-01"],
        "to": ["2026-11-30"],
        "campaign": ["spring"],
    }
    lead_row = next(line for line in result.output.splitlines() if " lead " in line)
    assert "40" in lead_row and "25%" in lead_row and "3.0 d" in lead_row
    assert "2 recycled" in result.output


def test_funnel_defaults_to_the_last_30_days_and_refuses_a_date_that_is_not_one(fake):
    fake.on("GET", "/reports/funnel", (200, {"stages": []}))
    fake.on("GET", "/reports/revenue", (200, {}))

    result = run(fake, "funnel", "--to", "2026-03-01")
    bad = run(fake, "funnel", "--from", "yesterday")

    assert result.exit_code == 0, result.output
    assert fake.requests_to("GET", "/reports/funnel")[0].query == {"from": ["2026-01-31"], "to": ["2026-03-01"]}
    assert fake.requests_to("GET", "/reports/revenue")[0].query == {"from": ["2026-01-31"], "to": ["2026-03-01"]}
    assert bad.exit_code == 2 and len(fake.seen) == 2


def test_a_missing_token_is_named_before_anything_is_sent(fake):
    result = run(fake, "reps", token="")

    assert result.exit_code == 2
    assert "No admin token: set LEADFLOW_TOKEN" in result.output
    assert fake.seen == []


def leadflow(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The command as a person runs it: its own process, its own stderr."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", "leadflow_cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_wrong_token_is_one_sentence_on_stderr_exit_2_no_traceback(fake):
    fake.on("GET", "/reps", (200, {"reps": []}))

    result = leadflow("reps", LEADFLOW_API=fake.url, LEADFLOW_TOKEN="wrong")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "refused the token (401): check LEADFLOW_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_api_is_one_sentence_on_stderr_exit_2_no_traceback():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nobody listens once it is closed

    result = leadflow("--api", f"http://127.0.0.1:{port}", "leads", LEADFLOW_TOKEN=TOKEN)

    assert result.returncode == 2
    assert f"Cannot reach http://127.0.0.1:{port}: is the API running" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
