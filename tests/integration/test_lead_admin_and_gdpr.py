"""Admin lead list and detail, GDPR export and erasure, through the app on moto."""

from chalicelib.storage.models import lead_pk

from .conftest import ADMIN, stored_items, submit
from .test_scoring_flow import GOOD_FIT, confirmed_lead, send_event


def test_leads_of_a_stage_come_best_score_first_page_by_page(client, stream, mailbox):
    confirmed_lead(client, stream, mailbox, email="low@acme.example")
    confirmed_lead(client, stream, mailbox, email="high@acme.example", **GOOD_FIT)
    confirmed_lead(client, stream, mailbox, email="mid@acme.example", country="DE", company_size="51-200")
    submit(client, email="pending@acme.example")
    stream.pump()

    first = client.http.get("/leads?stage=lead&limit=2", headers=ADMIN).json_body
    assert [lead["email"] for lead in first["leads"]] == ["high@acme.example", "mid@acme.example"]
    assert first["leads"][0]["score"] > first["leads"][1]["score"]
    rest = client.http.get(f"/leads?stage=lead&limit=2&cursor={first['next_cursor']}", headers=ADMIN).json_body
    assert [lead["email"] for lead in rest["leads"]] == ["low@acme.example"] and rest["next_cursor"] is None


def test_the_lead_list_refuses_bad_stages_limits_and_forged_cursors(client):
    for query in (
        "stage=vip",
        "stage=lead&limit=0",
        "stage=lead&limit=x",
        "stage=lead&cursor=abc",
        "stage=lead&cursor=k1.e30.x",
    ):
        assert client.http.get(f"/leads?{query}", headers=ADMIN).status_code == 400, query


def test_lead_detail_has_a_timeline_of_everything_in_order(client, stream, mailbox, clock):
    lead_id, token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    clock.advance(60)
    send_event(client, token, type="demo_request")
    stream.pump()
    view = client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body
    kinds = [entry["kind"] for entry in view["timeline"]]
    assert kinds == ["activities", "consents", "opt_in_mails", "stage_changes", "activities", "stage_changes"]
    assert [e["at"] for e in view["timeline"]] == sorted(e["at"] for e in view["timeline"])
    assert view["scoring"]["breakdown"]
    assert "counted_at" not in view["timeline"][-1]["item"]


def test_the_export_holds_everything_stored_about_the_person(client, stream, mailbox):
    lead_id, _ = confirmed_lead(
        client, stream, mailbox, email="ann@acme.example", first_name="Ann", utm_source="google"
    )
    answer = client.http.get(f"/leads/{lead_id}/export", headers=ADMIN)
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    document = answer.json_body
    assert document["profile"]["email"] == "ann@acme.example" and document["profile"]["profile"]["first_name"] == "Ann"
    consent = document["consents"][0]
    assert consent["confirmed_at"] and consent["consent_text"] and consent["attribution"] == {"utm_source": "google"}
    assert {a["type"] for a in document["activities"]} == {"form_submitted"}
    assert document["stage_changes"][0]["to_stage"] == "lead" and document["opt_in_mails"][0]["sent_at"]
    assert client.http.get("/leads/nobody/export", headers=ADMIN).status_code == 404


def test_erasure_deletes_the_partition_and_token_lookups_and_keeps_only_a_keyed_suppression_entry(
    client, stream, mailbox, aws, clock
):
    submit(client, email="ann@acme.example", first_name="Ann")
    stream.pump()
    clock.advance(3600)  # past the resend cooldown
    submit(client, email="ann@acme.example", first_name="Ann")  # a second opt-in mail: a second token
    stream.pump()
    lead_id = client.http.get("/leads?email=ann@acme.example", headers=ADMIN).json_body["leads"][0]["lead_id"]
    assert len(mailbox.confirm_tokens()) == 2

    answer = client.http.delete(f"/leads/{lead_id}", headers=ADMIN)
    assert answer.status_code == 200
    deleted = answer.json_body["deleted"]
    assert deleted["profile"] == 1 and deleted["opt_in_mails"] == 2 and deleted["opt_in_tokens"] == 2
    stream.pump()  # late reactions to the deletes write nothing back

    left = stored_items(aws)
    assert [i for i in left if i["pk"]["S"] == lead_pk(lead_id)] == []
    assert not [i for i in left if i["pk"]["S"].startswith("TOKEN#")]
    suppression = [i for i in left if i["pk"]["S"].startswith("SUPPRESS#")]
    assert len(suppression) == 1 and suppression[0]["reason"]["S"] == "erasure" and suppression[0]["at"]["S"]
    everything = repr(left)
    assert "ann@acme.example" not in everything and "Ann" not in everything and lead_id not in everything
    assert client.http.get(f"/leads/{lead_id}", headers=ADMIN).status_code == 404
    assert client.http.get("/leads?stage=subscriber", headers=ADMIN).json_body["leads"] == []
    assert client.http.delete(f"/leads/{lead_id}", headers=ADMIN).status_code == 404


def test_an_erased_scored_lead_leaves_the_lead_list(client, stream, mailbox):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example", **GOOD_FIT)
    assert client.http.get("/leads?stage=lead", headers=ADMIN).json_body["leads"]
    client.http.delete(f"/leads/{lead_id}", headers=ADMIN)
    stream.pump()
    assert client.http.get("/leads?stage=lead", headers=ADMIN).json_body["leads"] == []


def test_signing_up_after_erasure_starts_a_fresh_double_opt_in_that_mails_nothing(client, stream, mailbox):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example")
    client.http.delete(f"/leads/{lead_id}", headers=ADMIN)
    stream.pump()
    sent = len(mailbox.messages())

    assert submit(client, email="ann@acme.example").status_code == 202
    stream.pump()
    [view] = client.http.get("/leads?email=ann@acme.example", headers=ADMIN).json_body["leads"]
    assert view["status"] == "pending" and view["stage"] == "subscriber"
    assert [c.get("confirmed_at") for c in view["consents"]] == [None]
    # the erasure's suppression entry: the address is not mailed again
    assert len(mailbox.messages()) == sent
    assert view["opt_in_mails"][0]["skipped"]
