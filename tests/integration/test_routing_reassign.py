"""A manager reassigns a lead to a chosen rep through the admin API: the
capacity moves once, the new rep is mailed once (also under retries), and a
rep who cannot take it is refused with nothing changed."""

import json
from html import unescape

import pytest

from .conftest import ADMIN
from .console_client import Console, csrf_of, text
from .test_routing_flow import JSON_ADMIN, assignments, put_rep, queue, rep_mails, sql_lead  # noqa: F401


def reassign(client, lead_id, **body):
    return client.http.post(f"/assignments/{lead_id}/reassign", headers=JSON_ADMIN, body=json.dumps(body))


def open_counts(client):
    return {r["rep_id"]: r["open_assignments"] for r in client.http.get("/reps", headers=ADMIN).json_body["reps"]}


def routed_to_ann(client, stream, mailbox, queue, *emails):
    put_rep(client, "ann")
    put_rep(client, "bob", capacity=4, territories=["AT"])  # not in the lead's territory: only by choice
    lead_ids = [sql_lead(client, stream, mailbox, email) for email in emails]
    queue.pump()
    assert [assignments(client, lead_id)[0]["rep_id"] for lead_id in lead_ids] == ["ann"] * len(emails)
    return lead_ids


def test_reassign_to_a_named_rep_moves_capacity_once_and_mails_the_new_rep_once_when_retried(
    client, stream, mailbox, queue, clock
):
    [lead_id] = routed_to_ann(client, stream, mailbox, queue, "reassigned@acme.example")
    [offered] = assignments(client, lead_id)
    clock.advance(600)

    first = reassign(client, lead_id, rep_id="bob", reason="ann is on parental leave")
    retried = reassign(client, lead_id, rep_id="bob", reason="ann is on parental leave")
    stream.pump()  # the new offer goes to the queue
    queue.pump()
    stream.pump()
    queue.pump()

    assert (first.status_code, retried.status_code) == (200, 200)
    [a] = assignments(client, lead_id)
    assert (a["status"], a["rep_id"], a["offer"], a["reason"], a["tried"]) == (
        "offered",
        "bob",
        2,
        "admin",
        ["ann", "bob"],
    )
    assert a["offered_at"] > offered["offered_at"] and a["sla_due_at"] > offered["sla_due_at"]  # the SLA restarts
    [event] = [e for e in a["history"] if e["event"] == "reassigned"]
    assert (event["rep_id"], event["to"], event["note"]) == ("ann", "bob", "ann is on parental leave")
    assert open_counts(client) == {"ann": 0, "bob": 1}
    assert len(rep_mails(mailbox, "bob")) == 1
    assert len(rep_mails(mailbox, "ann")) == 1  # only the first offer


def test_an_unknown_rep_is_400_and_a_full_or_absent_rep_is_409_and_nothing_changes(client, stream, mailbox, queue):
    lead_id, other = routed_to_ann(client, stream, mailbox, queue, "refused@acme.example", "fills-cem@acme.example")
    put_rep(client, "cem", capacity=1)
    put_rep(client, "dan", out_of_office=True)
    assert reassign(client, other, rep_id="cem").status_code == 200  # cem is full now
    before = assignments(client, lead_id)
    counts = open_counts(client)

    unknown = reassign(client, lead_id, rep_id="nobody")
    full = reassign(client, lead_id, rep_id="cem")
    absent = reassign(client, lead_id, rep_id="dan")

    assert unknown.status_code == 400 and "nobody" in unknown.json_body["errors"]["rep_id"]
    assert full.status_code == 409 and "capacity" in full.json_body["errors"]["rep_id"]
    assert absent.status_code == 409 and "out of office" in absent.json_body["errors"]["rep_id"]
    assert assignments(client, lead_id) == before
    assert open_counts(client) == counts


def test_a_lead_the_old_rep_accepted_is_offered_afresh_to_the_chosen_rep(client, stream, mailbox, queue):
    [lead_id] = routed_to_ann(client, stream, mailbox, queue, "accepted-then-moved@acme.example")
    accept = client.http.post(f"/assignments/{lead_id}/accept", headers=JSON_ADMIN, body="{}")
    assert accept.json_body["status"] == "accepted"

    moved = reassign(client, lead_id, rep_id="bob")

    assert (moved.json_body["status"], moved.json_body["accepted_at"]) == ("offered", None)
    [a] = assignments(client, lead_id)
    assert (a["status"], a["rep_id"], a["accepted_at"]) == ("offered", "bob", None)
    assert open_counts(client) == {"ann": 0, "bob": 1}


@pytest.fixture
def console(client):
    console = Console(client)
    console.sign_in()
    return console


def test_the_console_form_hands_an_unassigned_lead_to_the_chosen_rep_and_a_forged_post_changes_nothing(
    client, stream, mailbox, queue, console
):
    lead_id = sql_lead(client, stream, mailbox, "nobody-took-it@acme.example")
    queue.pump()  # no rep yet: unassigned
    put_rep(client, "eve", territories=["AT"], locale="de")
    page = console.get("/console/assignments")
    assert f'action="/console/assignments/{lead_id}/reassign"' in text(page)
    assert '<option value="eve">Eve (5)</option>' in text(page)

    forged = console.post(f"/console/assignments/{lead_id}/reassign", {"rep_id": "eve", "reason": "x"})
    assert forged.status_code == 403
    assert assignments(client, lead_id)[0]["status"] == "unassigned"

    done = console.post(
        f"/console/assignments/{lead_id}/reassign", {"rep_id": "eve", "reason": "she knows AT"}, csrf=csrf_of(page)
    )
    stream.pump()
    queue.pump()

    assert done.status_code == 303
    [a] = assignments(client, lead_id)
    assert (a["status"], a["rep_id"], a["reason"]) == ("offered", "eve", "admin")
    assert open_counts(client) == {"eve": 1}
    assert len(rep_mails(mailbox, "eve")) == 1


def test_the_console_says_why_a_chosen_rep_is_refused(client, stream, mailbox, queue, console):
    lead_id = sql_lead(client, stream, mailbox, "still-nobody@acme.example")
    queue.pump()
    put_rep(client, "fay", territories=["AT"], out_of_office=True)
    page = console.get("/console/assignments")

    refused = console.post(f"/console/assignments/{lead_id}/reassign", {"rep_id": "fay"}, csrf=csrf_of(page))

    assert refused.status_code == 409 and "'fay' is out of office" in unescape(text(refused))
    assert assignments(client, lead_id)[0]["status"] == "unassigned"
