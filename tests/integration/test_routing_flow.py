"""SQL routing end to end on moto: the stream hands an SQL to the FIFO
routing queue, the router assigns a rep and notifies, reps act through
signed links or the admin API, and the SLA watcher reassigns."""

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import pytest

from chalicelib.routing.assignment import OFFERED, Assignment
from chalicelib.routing.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookPoster
from chalicelib.storage.routing import RepUnavailable
from infra.local.pump import sqs_record

from .conftest import ADMIN, REGION
from .test_scoring_flow import GOOD_FIT, confirmed_lead, send_event

JSON_ADMIN = {**ADMIN, "Content-Type": "application/json"}
QUEUE = "leadflow-routing.fifo"


class RoutingQueue:
    """Delivers the routing queue's messages to `route_sql` like Lambda does."""

    def __init__(self, client):
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.url = self.sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        self.client = client

    def receive(self):
        messages = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return [sqs_record(m, f"arn:aws:sqs:{REGION}:123456789012:{QUEUE}", REGION) for m in messages]

    def deliver(self, records):
        return self.client.lambda_.invoke("route_sql", {"Records": records}).payload

    def pump(self):
        delivered = []
        while True:
            records = self.receive()
            if not records:
                return delivered
            assert self.deliver(records) == {"batchItemFailures": []}
            for record in records:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])
            delivered += records


@pytest.fixture
def queue(client):
    return RoutingQueue(client)


def put_rep(client, rep_id, **fields):
    body = {
        "name": rep_id.title(),
        "email": f"{rep_id}@sales.example",
        "pools": ["dach"],
        "territories": ["DE"],
        "capacity": 5,
        **fields,
    }
    response = client.http.put(f"/reps/{rep_id}", headers=JSON_ADMIN, body=json.dumps(body))
    assert response.status_code in (200, 201), response.body
    return response.json_body


def sql_lead(client, stream, mailbox, email, **profile):
    """A confirmed lead that asks for a demo and so becomes an SQL."""
    lead_id, token = confirmed_lead(client, stream, mailbox, email=email, **{**GOOD_FIT, **profile})
    assert send_event(client, token, type="demo_request").status_code == 202
    stream.pump()
    return lead_id


def assignments(client, lead_id):
    return client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"]


def rep_mails(mailbox, rep_id):
    return [m for m in mailbox.parsed() if m["To"] == f"{rep_id}@sales.example"]


def link(mail, action):
    text = mail.get_body(("plain",)).get_content()
    return re.search(rf"https://api\.leadflow\.test(/rep/[^/\s]+/{action})", text).group(1)


def test_two_reps_covering_de_share_four_sqls_and_absent_or_full_reps_get_none(client, stream, mailbox, queue):
    put_rep(client, "ann")
    put_rep(client, "bob")
    put_rep(client, "carl", out_of_office=True)
    put_rep(client, "dora", capacity=0)

    leads = [sql_lead(client, stream, mailbox, f"lead{n}@acme.example") for n in range(4)]
    queue.pump()

    owners = [assignments(client, lead_id)[0]["rep_id"] for lead_id in leads]
    assert sorted(owners) == ["ann", "ann", "bob", "bob"]
    reps = {r["rep_id"]: r for r in client.http.get("/reps", headers=ADMIN).json_body["reps"]}
    assert {rep: reps[rep]["open_assignments"] for rep in reps} == {"ann": 2, "bob": 2, "carl": 0, "dora": 0}
    assert len(rep_mails(mailbox, "ann")) == 2 and len(rep_mails(mailbox, "bob")) == 2
    assert not rep_mails(mailbox, "carl") and not rep_mails(mailbox, "dora")
    first = assignments(client, leads[0])[0]
    assert first["how"] == "pool:dach" and first["status"] == OFFERED
    assert first["sql_at"] <= first["routed_at"] <= first["notified_at"]


def test_the_rep_mail_has_summary_score_breakdown_activities_and_signed_links(client, stream, mailbox, queue):
    put_rep(client, "ann")
    sql_lead(client, stream, mailbox, "eve@acme.example", first_name="Eve", company="Acme", phone="+49 30 1234")
    queue.pump()
    [mail] = rep_mails(mailbox, "ann")
    text = mail.get_body(("plain",)).get_content()
    assert "Eve" in mail["Subject"] and "Acme" in mail["Subject"]
    assert "+49 30 1234" in text and "eve@acme.example" in text
    assert "+30  demo_request" in text and "country_dach" in text  # score breakdown
    assert "demo_request" in text.split("Last activities:")[1]
    assert link(mail, "accept") and link(mail, "decline")


def test_no_pool_rep_goes_to_the_fallback_pool_then_to_the_default_owner(client, stream, mailbox, queue):
    put_rep(client, "ann")  # DE only
    put_rep(client, "erin", pools=["inbound"], territories=[], capacity=1)
    put_rep(client, "sales-lead", pools=[], territories=[], capacity=0, out_of_office=True)

    first = sql_lead(client, stream, mailbox, "one@acme.example", country="US")
    second = sql_lead(client, stream, mailbox, "two@acme.example", country="US")
    queue.pump()

    assert [(a["rep_id"], a["how"]) for a in assignments(client, first)] == [("erin", "fallback:inbound")]
    [owned] = assignments(client, second)
    assert (owned["rep_id"], owned["how"], owned["sla_due_at"]) == ("sales-lead", "default owner", None)
    assert len(rep_mails(mailbox, "sales-lead")) == 1 and not rep_mails(mailbox, "ann")


def test_a_redelivered_message_or_stream_record_makes_one_assignment_and_one_mail(client, stream, mailbox, queue):
    put_rep(client, "ann")
    lead_id, token = confirmed_lead(client, stream, mailbox, email="ann.lead@acme.example", **GOOD_FIT)
    send_event(client, token, type="demo_request")
    records = stream.pump()
    [message] = queue.receive()

    assert queue.deliver([message]) == {"batchItemFailures": []}
    assert queue.deliver([message]) == {"batchItemFailures": []}  # Lambda's redelivery
    queue.sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["receiptHandle"])
    assert stream.deliver(records) == {"batchItemFailures": []}  # and the stream's, past SQS's dedup window
    queue.pump()

    assert len(assignments(client, lead_id)) == 1 and len(rep_mails(mailbox, "ann")) == 1
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 1


def test_only_an_unreadable_message_fails_its_batch_and_an_unroutable_sql_is_kept_unassigned(
    client, stream, mailbox, queue
):
    put_rep(client, "ann")  # DE only; no fallback rep and no default owner exist
    routable = sql_lead(client, stream, mailbox, "de@acme.example")
    stranded = sql_lead(client, stream, mailbox, "us@acme.example", country="US")
    messages = queue.receive()
    garbled = {**messages[0], "messageId": "garbled", "body": "not json", "attributes": {**messages[0]["attributes"]}}
    garbled["attributes"]["MessageGroupId"] = "another-lead"

    result = queue.deliver([*messages, garbled])
    assert result == {"batchItemFailures": [{"itemIdentifier": "garbled"}]}
    [kept] = assignments(client, stranded)
    assert (kept["status"], kept["rep_id"]) == ("unassigned", None) and "inbound" in kept["unassigned_reason"]
    assert assignments(client, routable)[0]["rep_id"] == "ann"


class Hook(BaseHTTPRequestHandler):
    status = 500
    calls: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.calls.append((dict(self.headers), body))
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    Hook.calls = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_backoff(services):
    services.webhooks = WebhookPoster(services.playbook.routing.webhooks, sleep=lambda seconds: None)


def test_a_failing_webhook_is_retried_and_recorded_and_the_assignment_and_mail_stand(
    client, stream, mailbox, queue, hook, no_backoff
):
    Hook.status = 500
    put_rep(client, "ann", webhook_url=hook, webhook_secret="s" * 32)
    lead_id = sql_lead(client, stream, mailbox, "hooked@acme.example")
    queue.pump()

    assert len(Hook.calls) == 3  # the playbook's attempts
    [a] = assignments(client, lead_id)
    assert a["rep_id"] == "ann" and a["notified_offer"] == 1 and len(rep_mails(mailbox, "ann")) == 1
    assert [(f["attempts"], f["error"]) for f in a["webhook_failures"]] == [(3, "HTTP 500")]
    queue.pump()
    assert len(Hook.calls) == 3  # recorded: a redelivery does not call again


def test_a_working_webhook_gets_slack_json_with_a_valid_signature(client, stream, mailbox, queue, hook, no_backoff):
    Hook.status = 200
    secret = "a-long-webhook-secret"
    put_rep(client, "ann", webhook_url=hook, webhook_secret=secret)
    lead_id = sql_lead(client, stream, mailbox, "slack@acme.example")
    queue.pump()

    [(headers, body)] = Hook.calls
    payload = json.loads(body)
    assert payload["text"].startswith("New sales-qualified lead") and payload["blocks"]
    assert payload["leadflow"]["lead_id"] == lead_id
    expected = hmac.new(secret.encode(), f"{headers[TIMESTAMP_HEADER]}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"v1={expected}"
    assert assignments(client, lead_id)[0]["webhook_failures"] == []


def test_links_get_shows_a_page_post_accepts_and_outcome_won_makes_a_customer_and_frees_capacity(
    client, stream, mailbox, queue, clock
):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "won@acme.example")
    queue.pump()
    [mail] = rep_mails(mailbox, "ann")
    accept = link(mail, "accept")

    page = client.http.get(accept)
    assert page.status_code == 200 and 'method="post"' in page.body.decode()
    assert assignments(client, lead_id)[0]["status"] == OFFERED  # GET changed nothing
    assert client.http.post(accept).status_code == 200
    assert assignments(client, lead_id)[0]["status"] == "accepted"
    assert client.http.post(accept).status_code == 200  # twice is once

    outcome = link(mail, "outcome")
    clock.advance(60)  # stage changes are keyed by time
    done = client.http.post(
        outcome, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="outcome=won&note=signed"
    )
    assert done.status_code == 200
    [a] = assignments(client, lead_id)
    assert (a["status"], a["outcome"]) == ("closed", "won")
    lead = client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body
    assert lead["stage"] == "customer" and lead["stage_changes"][-1]["to_stage"] == "customer"
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 0
    assert client.http.get(accept.replace("/rep/", "/rep/x")).status_code == 404


def test_decline_offers_the_next_rep_and_the_old_link_stops_working(client, stream, mailbox, queue):
    put_rep(client, "ann")
    put_rep(client, "bob", capacity=4)  # less room: ann comes first
    lead_id = sql_lead(client, stream, mailbox, "declined@acme.example")
    queue.pump()
    [mail] = rep_mails(mailbox, "ann")

    assert client.http.post(link(mail, "decline")).status_code == 200
    stream.pump()  # the new offer goes to the queue
    queue.pump()

    [a] = assignments(client, lead_id)
    assert (a["rep_id"], a["offer"], a["reason"], a["tried"]) == ("bob", 2, "declined", ["ann", "bob"])
    assert len(rep_mails(mailbox, "bob")) == 1
    assert client.http.post(link(mail, "accept")).status_code == 409
    reps = {r["rep_id"]: r["open_assignments"] for r in client.http.get("/reps", headers=ADMIN).json_body["reps"]}
    assert reps == {"ann": 0, "bob": 1}


def test_admin_routes_accept_and_record_outcomes_and_refuse_what_does_not_apply(client, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "admin@acme.example")
    queue.pump()
    clock.advance(60)  # stage changes are keyed by time

    def act(action, **body):
        return client.http.post(f"/assignments/{lead_id}/{action}", headers=JSON_ADMIN, body=json.dumps(body))

    assert act("outcome", outcome="won").status_code == 409  # not accepted yet
    assert act("accept").json_body["status"] == "accepted"
    assert act("outcome", outcome="teleported").status_code == 400
    assert act("outcome", outcome="opportunity").json_body["outcome"] == "opportunity"
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 1  # still being worked
    clock.advance(60)
    recycled = act("outcome", outcome="recycle", note="no budget this year")
    assert recycled.json_body["status"] == "closed"
    assert client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body["stage"] == "lead"
    assert act("accept").status_code == 404  # nothing open
    assert client.http.post(f"/assignments/{lead_id}/accept").status_code == 401


def test_sla_missed_reassigns_and_tells_the_manager_and_an_accepted_lead_is_left_alone(
    client, stream, mailbox, queue, clock
):
    put_rep(client, "ann")
    put_rep(client, "bob", capacity=4)
    slow = sql_lead(client, stream, mailbox, "slow@acme.example")
    quick = sql_lead(client, stream, mailbox, "quick@acme.example")
    queue.pump()
    quick_owner = assignments(client, quick)[0]["rep_id"]
    client.http.post(f"/assignments/{quick}/accept", headers=JSON_ADMIN, body="{}")
    slow_owner = assignments(client, slow)[0]["rep_id"]
    other = {"ann": "bob", "bob": "ann"}[slow_owner]
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])

    clock.advance(14 * 60)
    assert client.lambda_.invoke("watch_sla", scheduled).payload["reassigned"] == 0
    clock.advance(2 * 60)
    assert client.lambda_.invoke("watch_sla", scheduled).payload["reassigned"] == 1
    assert client.lambda_.invoke("watch_sla", scheduled).payload["reassigned"] == 0  # overlapping run: nothing
    stream.pump()
    queue.pump()

    [a] = assignments(client, slow)
    assert (a["rep_id"], a["reason"], a["offer"]) == (other, "sla", 2)
    [manager] = [m for m in mailbox.parsed() if m["To"] == "sales-manager@leadflow.example"]
    assert "SLA missed" in manager["Subject"] and slow_owner in manager.get_body(("plain",)).get_content()
    [kept] = assignments(client, quick)
    assert (kept["rep_id"], kept["status"], kept["offer"]) == (quick_owner, "accepted", 1)


def test_after_n_reassignments_the_sla_escalates_to_the_default_owner(client, stream, mailbox, queue, clock):
    for rep in ("ann", "bob", "carl"):
        put_rep(client, rep)
    put_rep(client, "sales-lead", pools=[], territories=[], capacity=0)
    lead_id = sql_lead(client, stream, mailbox, "escalate@acme.example")
    queue.pump()
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    for _ in range(3):  # the playbook allows 2 reassignments
        clock.advance(16 * 60)
        client.lambda_.invoke("watch_sla", scheduled)
        stream.pump()
        queue.pump()

    [a] = assignments(client, lead_id)
    assert (a["rep_id"], a["reason"], a["reassignments"], a["sla_due_at"]) == ("sales-lead", "escalated", 3, None)
    assert len(rep_mails(mailbox, "sales-lead")) == 1


def test_concurrent_claims_never_over_assign(services, clock):
    client_ = services.routing_store
    client_.put_rep(
        "ann",
        {"name": "Ann", "email": "ann@sales.example", "capacity": 3, "out_of_office": False, "pools": ["dach"]},
        "2026-11-23T09:00:00.000Z",
    )
    won, lost = [], []

    def claim(n):
        a = Assignment(
            lead_id=f"lead{n}",
            key="2026-11-23T09:00:00.000Z",
            sql_at="2026-11-23T09:00:00.000Z",
            status=OFFERED,
            rep_id="ann",
            offer=1,
            reason="routed",
            how="pool:dach",
            routed_at="2026-11-23T09:00:00.000Z",
            offered_at="2026-11-23T09:00:00.000Z",
        )
        try:
            client_.create(a, bounded=True)
            won.append(n)
        except RepUnavailable:
            lost.append(n)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 3 and len(lost) == 9
    assert client_.rep("ann").open_count == 3


def test_speed_to_lead_report_from_day_counters(client, stream, mailbox, queue, clock, monkeypatch):
    put_rep(client, "ann")
    put_rep(client, "bob")
    fast = sql_lead(client, stream, mailbox, "fast@acme.example")
    slow = sql_lead(client, stream, mailbox, "slow2@acme.example")
    queue.pump()
    clock.advance(120)
    client.http.post(f"/assignments/{fast}/accept", headers=JSON_ADMIN, body="{}")
    clock.advance(10 * 60)
    client.http.post(f"/assignments/{slow}/accept", headers=JSON_ADMIN, body="{}")

    def no_lead_reads(*args, **kwargs):
        raise AssertionError("the report reads day counters only")

    monkeypatch.setattr("chalicelib.storage.routing.RoutingStore.assignments", no_lead_reads)
    day = clock.now().date().isoformat()
    body = client.http.get(f"/reports/speed-to-lead?from={day}&to={day}", headers=ADMIN).json_body
    assert (body["sqls"], body["notified"], body["accepted"]) == (2, 2, 2)
    assert (body["accepted_within_5_minutes"], body["accepted_within_1_hour"]) == (0.5, 1.0)
    assert 120 <= body["sql_to_accepted"]["median_seconds"] <= 132  # 10 % bucket precision
    assert 720 <= body["sql_to_accepted"]["p90_seconds"] <= 792
    assert body["sql_to_notified"]["count"] == 2
    bad = client.http.get("/reports/speed-to-lead?from=2026-13-01&to=2026-11-01", headers=ADMIN)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "body, error",
    [
        ({"name": "A", "email": "not-an-address", "capacity": 1}, "email"),
        ({"name": "A", "email": "a@b.example", "capacity": -1}, "capacity"),
        ({"name": "A", "email": "a@b.example", "capacity": 1, "territories": ["Germany"]}, "territories"),
        (
            {"name": "A", "email": "a@b.example", "capacity": 1, "working_hours": {"timezone": "Mars/Base"}},
            "working_hours.timezone",
        ),
        ({"name": "A", "email": "a@b.example", "capacity": 1, "webhook_url": "https://hooks.example/x"}, "body"),
        ({"name": "A", "email": "a@b.example", "capacity": 1, "shoe_size": 44}, "shoe_size"),
    ],
)
def test_bad_rep_input_is_400_and_stores_nothing(client, body, error):
    response = client.http.put("/reps/ann", headers=JSON_ADMIN, body=json.dumps(body))
    assert response.status_code == 400 and error in response.json_body["errors"], response.json_body
    assert client.http.get("/reps/ann", headers=ADMIN).status_code == 404


def test_reps_are_listed_updated_and_deleted_and_a_busy_rep_is_kept(client, stream, mailbox, queue):
    assert put_rep(client, "ann", capacity=2)["capacity_left"] == 2
    updated = put_rep(client, "ann", capacity=3, webhook_url="https://hooks.example/a", webhook_secret="x" * 20)
    assert updated["capacity"] == 3 and updated["webhook_secret_set"] and "webhook_secret" not in updated
    sql_lead(client, stream, mailbox, "busy@acme.example")
    queue.pump()
    assert client.http.delete("/reps/ann", headers=ADMIN).status_code == 409
    assert put_rep(client, "ann", capacity=3)["open_assignments"] == 1  # a PUT keeps the load
    put_rep(client, "bob")
    assert client.http.delete("/reps/bob", headers=ADMIN).status_code == 204
    assert client.http.delete("/reps/bob", headers=ADMIN).status_code == 404
    assert [r["rep_id"] for r in client.http.get("/reps", headers=ADMIN).json_body["reps"]] == ["ann"]
    assert client.http.put("/reps/Bad%20Id", headers=JSON_ADMIN, body="{}").status_code == 400


def test_the_sample_fifo_event_for_an_unknown_lead_is_handled_without_failure(client):
    from pathlib import Path

    event = json.loads((Path(__file__).resolve().parents[2] / "events/sqs/routing-message-fifo.json").read_text())
    assert client.lambda_.invoke("route_sql", event).payload == {"batchItemFailures": []}  # lead gone: nothing to do


def test_erasing_a_routed_lead_frees_its_reps_capacity_and_leaves_no_assignment(client, stream, mailbox, queue):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "erase-me@acme.example")
    queue.pump()
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 1

    erased = client.http.delete(f"/leads/{lead_id}", headers=ADMIN)
    assert erased.status_code == 200, erased.body
    assert erased.json_body["released"]["release_for_erasure"] == 1
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 0
    assert client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"] == []
