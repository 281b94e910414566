"""A fresh `make run` routes: the demo sales team is seeded and printed, and
a demo lead that becomes an SQL reaches a rep's mailbox; LEADFLOW_SEED=none
starts without reps."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.local.launch import start_stack

from .conftest import Api
from .test_local_stack import address, confirm_link

pytestmark = pytest.mark.e2e

GOOD_FIT = {"company_size": "51-200", "industry": "software", "country": "DE", "job_title": "Head of Sales"}
DACH = ("anna.schmidt@sales.leadflow.example", "jonas.weber@sales.leadflow.example")


def test_the_demo_team_is_seeded_printed_and_a_demo_sql_reaches_a_dach_rep(api):
    reps = requests.get(f"{api.url}/reps", headers=api.admin, timeout=10).json()["reps"]
    pools = {rep["rep_id"]: rep["pools"] for rep in reps}
    assert sorted(rep for rep, joined in pools.items() if "dach" in joined) == ["anna-schmidt", "jonas-weber"]
    assert [rep for rep, joined in pools.items() if "enterprise" in joined] == ["emma-clarke"]
    assert [rep for rep, joined in pools.items() if "inbound" in joined] == ["liam-novak"]
    assert "sales-lead" in pools  # the playbook's default owner exists
    output = api.stack.output()
    assert "Sales team    anna-schmidt" in output and "Default owner sales-lead\n" in output

    sql_lead(api, address("sql"))

    mails = [m for rep in DACH for m in api.mail_to(rep) if "Dora" in m["subject"]]
    assert len(mails) == 1 and mails[0]["tags"]["kind"] == "rep_assignment"
    assert "Neuer Lead für Sie" in mails[0]["subject"]  # the demo dach reps read German
    assert re.search(r"/rep/[^/\s]+/accept", mails[0]["text"])


def sql_lead(api, email: str) -> None:
    """A demo lead that confirms and asks for a demo: an SQL."""
    answer = api.submit(email, first_name="Dora", company="Acme", **GOOD_FIT)
    assert answer.status_code == 202
    api.drain()
    confirmed = requests.post(confirm_link(api.mail_to(email)[0]), allow_redirects=False, timeout=10)
    token = parse_qs(urlsplit(confirmed.headers["Location"]).query)["lead"][0]
    assert requests.post(f"{api.url}/events", json={"lead": token, "type": "demo_request"}, timeout=10).status_code
    api.drain()


def test_with_leadflow_seed_none_an_sql_waits_unassigned_until_a_rep_is_added(tmp_path):
    stack = start_stack(tmp_path / "stack.log", LEADFLOW_SEED="none")
    try:
        api = Api(stack)
        assert requests.get(f"{api.url}/reps", headers=api.admin, timeout=10).json()["reps"] == []
        assert "Sales team    none" in stack.output()
        sql_lead(api, address("waiting"))

        [told] = api.mail_to("sales-manager@leadflow.example")
        assert told["tags"]["kind"] == "unassigned" and "sales-lead is not a rep" in told["text"]
        waiting = requests.get(f"{api.url}/assignments?status=unassigned", headers=api.admin, timeout=10).json()
        [a] = waiting["assignments"]
        rep = {"name": "Late Larry", "email": "larry@sales.leadflow.example", "capacity": 3}
        assert requests.put(f"{api.url}/reps/larry", json=rep, headers=api.admin, timeout=10).status_code == 201
        assert requests.post(f"{api.url}/_local/schedules/watch_sla", timeout=30).status_code == 200
        api.drain()

        [mail] = api.mail_to("larry@sales.leadflow.example")  # no pools: the fallback pool's
        assert "Dora" in mail["subject"] and mail["tags"]["kind"] == "rep_assignment"
        [now] = requests.get(f"{api.url}/assignments/{a['lead_id']}", headers=api.admin, timeout=10).json()[
            "assignments"
        ]
        assert (now["status"], now["rep_id"]) == ("offered", "larry")
    finally:
        stack.stop()
