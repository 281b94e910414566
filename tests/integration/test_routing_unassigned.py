"""No SQL is lost: an SQL nobody can take is kept `unassigned` with the
reason, the manager hears at once, it is listed for admins, and the SLA
watcher offers it again every run until a rep takes it."""

import json

from .conftest import ADMIN
from .test_routing_flow import JSON_ADMIN, assignments, put_rep, queue, rep_mails, sql_lead  # noqa: F401

MANAGER = "sales-manager@leadflow.example"


def watch(client):
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    return client.lambda_.invoke("watch_sla", scheduled).payload


def manager_mails(mailbox):
    return [m for m in mailbox.parsed() if m["To"] == MANAGER]


def listed(client, status, **query):
    params = "&".join(f"{k}={v}" for k, v in {"status": status, **query}.items())
    response = client.http.get(f"/assignments?{params}", headers=ADMIN)
    assert response.status_code == 200, response.body
    return response.json_body


def test_with_no_reps_at_all_the_sql_is_kept_the_manager_mailed_and_a_rep_added_later_gets_it(
    client, stream, mailbox, queue, clock
):
    lead_id = sql_lead(client, stream, mailbox, "nobody@acme.example", first_name="Nora", company="Acme")
    assert queue.pump()  # delivered without a failure: nothing goes to the DLQ

    [a] = assignments(client, lead_id)
    assert (a["status"], a["rep_id"], a["how"]) == ("unassigned", None, "unassigned")
    assert (
        "pool dach: no reps" in a["unassigned_reason"]
        and "default owner sales-lead is not a rep" in (a["unassigned_reason"])
    )
    [told] = manager_mails(mailbox)
    assert "Nora" in told["Subject"] and "sales-lead is not a rep" in told.get_body(("plain",)).get_content()
    assert [x["lead_id"] for x in listed(client, "unassigned")["assignments"]] == [lead_id]
    queue.pump()  # a redelivery tells nobody twice
    assert len(manager_mails(mailbox)) == 1

    clock.advance(60)
    assert watch(client)["unassigned"] == 1  # still nobody: kept, not dropped
    put_rep(client, "ann")
    clock.advance(60)
    assert watch(client)["taken"] == 1
    stream.pump()
    queue.pump()

    [a] = assignments(client, lead_id)
    assert (a["status"], a["rep_id"], a["offer"], a["unassigned_reason"]) == ("offered", "ann", 2, None)
    assert len(rep_mails(mailbox, "ann")) == 1 and len(manager_mails(mailbox)) == 1
    assert listed(client, "unassigned")["assignments"] == []
    assert watch(client)["taken"] == 0  # an overlapping run finds nothing left
    day = clock.now().date().isoformat()
    report = client.http.get(f"/reports/speed-to-lead?from={day}&to={day}", headers=ADMIN).json_body
    assert (report["sqls"], report["unassigned"], report["notified"]) == (1, 1, 1)
    assert report["unassigned_wait"]["count"] == 1 and 120 <= report["unassigned_wait"]["median_seconds"] <= 132
    assert report["sql_to_notified"]["median_seconds"] >= 120  # the wait counts in speed to lead


def test_the_unassigned_list_is_paged_oldest_first_with_a_signed_cursor(client, stream, mailbox, queue, clock):
    for n in range(3):
        sql_lead(client, stream, mailbox, f"page{n}@acme.example")
    leads = []
    for message in queue.receive():  # routed one by one, a second apart
        assert queue.deliver([message]) == {"batchItemFailures": []}
        leads.append(json.loads(message["body"])["lead_id"])
        clock.advance(1)
    assert len(leads) == 3

    first = listed(client, "unassigned", limit=2)
    second = listed(client, "unassigned", limit=2, cursor=first["next_cursor"])
    assert [a["lead_id"] for a in first["assignments"] + second["assignments"]] == leads
    assert second["next_cursor"] is None
    assert client.http.get("/assignments?status=lost", headers=ADMIN).status_code == 400
    forged = client.http.get(f"/assignments?status=overdue&cursor={first['next_cursor']}", headers=ADMIN)
    assert forged.status_code == 400
    assert client.http.get("/assignments?status=unassigned").status_code == 401


def test_a_decline_with_nobody_else_leaves_the_sql_unassigned_frees_the_rep_and_tells_the_manager(
    client, stream, mailbox, queue
):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "declined@acme.example")
    queue.pump()

    declined = client.http.post(f"/assignments/{lead_id}/decline", headers=JSON_ADMIN, body="{}")
    assert declined.status_code == 200 and declined.json_body["status"] == "unassigned"
    stream.pump()
    queue.pump()

    [a] = assignments(client, lead_id)
    assert (a["status"], a["reason"], a["tried"]) == ("unassigned", "declined", ["ann"])
    assert "ann already had it" in a["unassigned_reason"]
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 0
    assert len(manager_mails(mailbox)) == 1


def test_an_offer_past_its_sla_with_nobody_else_is_listed_overdue_until_accepted(client, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "overdue@acme.example")
    queue.pump()
    clock.advance(16 * 60)
    assert watch(client)["stopped"] == 1
    assert watch(client)["stopped"] == 0  # an overlapping run: nothing, and no second mail

    [told] = manager_mails(mailbox)
    assert "SLA missed" in told["Subject"] and "stays offered to ann" in told.get_body(("plain",)).get_content()
    [a] = listed(client, "overdue")["assignments"]
    assert (a["lead_id"], a["rep_id"], a["status"]) == (lead_id, "ann", "offered")
    client.http.post(f"/assignments/{lead_id}/accept", headers=JSON_ADMIN, body=json.dumps({}))
    assert listed(client, "overdue")["assignments"] == []


def test_reps_that_list_no_pools_serve_the_fallback_pool(client, stream, mailbox, queue):
    # as a new user sets them up: no pools, territory DE (the dach pool has nobody)
    put_rep(client, "ann", pools=[])
    put_rep(client, "bob", pools=[])
    leads = [sql_lead(client, stream, mailbox, f"de{n}@acme.example") for n in range(4)]
    queue.pump()

    owners = sorted(assignments(client, lead_id)[0]["rep_id"] for lead_id in leads)
    assert owners == ["ann", "ann", "bob", "bob"]
    assert {assignments(client, lead_id)[0]["how"] for lead_id in leads} == {"fallback:inbound"}


def test_overlapping_watcher_runs_hand_an_unassigned_sql_to_exactly_one_rep(services, client, stream, mailbox, queue):
    import threading

    lead_id = sql_lead(client, stream, mailbox, "race@acme.example")
    queue.pump()
    put_rep(client, "ann", capacity=1)
    put_rep(client, "bob", capacity=1)
    results, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        results.append(services.router.sla_due())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r["taken"] for r in results) == 1
    [a] = assignments(client, lead_id)
    assert a["status"] == "offered" and a["offer"] == 2
    load = {r["rep_id"]: r["open_assignments"] for r in client.http.get("/reps", headers=ADMIN).json_body["reps"]}
    assert sorted(load.values()) == [0, 1] and load[a["rep_id"]] == 1
