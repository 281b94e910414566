"""`make demo` (LEADFLOW_SEED=demo) fills the local stack with a month of
leads through the public API, and the `leadflow` command line shows them:
one stack for both, driven over HTTP and as a person runs the command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from infra.local.launch import start_stack

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer leadflow-local-admin"}
SEED_TIMEOUT = 400  # seconds; the month takes one to two minutes on a loaded 2-core machine


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("demo") / "stack.log", LEADFLOW_SEED="demo")
    try:
        deadline = time.monotonic() + SEED_TIMEOUT
        while (state := requests.get(f"{stack.api}/_local/seed", timeout=10).json())["status"] == "running":
            assert time.monotonic() < deadline, state
            time.sleep(1)
        assert state["status"] == "done", f"{state}\n{stack.output()[-3000:]}"
        assert requests.post(f"{stack.api}/_local/drain", timeout=60).status_code == 200
        yield stack
    finally:
        stack.stop()


def leads_in(stack, stage: str) -> list[dict]:
    answer = requests.get(f"{stack.api}/leads", params={"stage": stage, "limit": 100}, headers=ADMIN, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["leads"]


def test_the_demo_month_has_leads_in_every_stage_and_a_funnel_of_the_last_30_days(demo):
    counts = {stage: len(leads_in(demo, stage)) for stage in ("lead", "mql", "sql", "opportunity", "customer")}
    assert all(counts.values()), counts

    today = datetime.now(UTC).date()
    report = requests.get(
        f"{demo.api}/reports/funnel",
        params={"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()},
        headers=ADMIN,
        timeout=10,
    ).json()
    entered = {s["stage"]: s["entered"] for s in report["stages"]}
    assert all(entered[stage] > 0 for stage in entered), entered
    assert entered["subscriber"] >= entered["lead"] >= entered["mql"] >= entered["sql"] > entered["customer"]
    assert report["by_campaign"] and any(c["cost"] for c in report["by_campaign"])
    assert "Demo month    55 people" in demo.output()


def test_the_demo_month_spans_the_past_month_and_the_clock_is_back_at_the_present(demo):
    clock = requests.get(f"{demo.api}/_local/clock", timeout=10).json()
    assert abs(clock["offset_seconds"]) < 60
    created = [date.fromisoformat(lead["created_at"][:10]) for lead in leads_in(demo, "lead") + leads_in(demo, "mql")]
    today = datetime.now(UTC).date()
    assert min(created) <= today - timedelta(days=20) and max(created) < today


def test_reps_took_the_demo_sqls_through_their_mail_links_and_some_still_wait(demo):
    customer = leads_in(demo, "customer")[0]
    [assignment] = requests.get(f"{demo.api}/assignments/{customer['lead_id']}", headers=ADMIN, timeout=10).json()[
        "assignments"
    ]
    assert assignment["outcome"] == "won" and assignment["accepted_at"]
    sql_ids = {lead["lead_id"] for lead in leads_in(demo, "sql")}
    waiting = [
        a
        for lead_id in sql_ids
        for a in requests.get(f"{demo.api}/assignments/{lead_id}", headers=ADMIN, timeout=10).json()["assignments"]
        if not a.get("accepted_at")
    ]
    assert waiting  # the console's "what is waiting" has something to show


def leadflow(stack, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env.update(LEADFLOW_API=stack.api, LEADFLOW_TOKEN="leadflow-local-admin", COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "leadflow_cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_leadflow_leads_and_lead_show_the_stack_s_leads(demo):
    [top] = leads_in(demo, "opportunity")[:1]

    listed = leadflow(demo, "leads", "--stage", "opportunity")
    shown = leadflow(demo, "lead", top["email"])

    assert listed.returncode == 0, listed.stderr
    assert top["lead_id"] in listed.stdout and top["email"] in listed.stdout
    assert shown.returncode == 0, shown.stderr
    assert "Why this score" in shown.stdout and "demo_request" in shown.stdout
    assert "opportunity" in shown.stdout and top["lead_id"] in shown.stdout


def test_leadflow_reps_and_funnel_show_the_team_and_the_month(demo):
    reps = leadflow(demo, "reps")
    funnel = leadflow(demo, "funnel")

    assert reps.returncode == 0, reps.stderr
    assert "anna-schmidt" in reps.stdout and "enterprise" in reps.stdout
    assert funnel.returncode == 0, funnel.stderr
    customer_row = next(line for line in funnel.stdout.splitlines() if "customer" in line)
    assert any(cell.strip().isdigit() and int(cell) > 0 for cell in customer_row.split("│"))


def test_leadflow_names_a_wrong_token_and_an_unknown_lead_in_one_sentence(demo):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    wrong = subprocess.run(
        [sys.executable, "-m", "leadflow_cli", "--api", demo.api, "reps"],
        cwd=ROOT,
        env={**env, "LEADFLOW_TOKEN": "not-the-token"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    unknown = leadflow(demo, "lead", "no-such-lead")

    assert wrong.returncode == 2 and "refused the token (401)" in wrong.stderr and "Traceback" not in wrong.stderr
    assert unknown.returncode == 2 and "(404): lead_id: no such lead" in unknown.stderr
