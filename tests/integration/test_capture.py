import json
from urllib.parse import urlencode

import pytest

from .conftest import ADMIN, render_token, stored_items, submit

LANDING = "http://127.0.0.1:8001"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def post_form(client, fields, accept=BROWSER_ACCEPT, **headers):
    fields = [*(fields.items() if isinstance(fields, dict) else fields), ("_render_token", render_token())]
    return client.http.post(
        "/forms/demo/submissions",
        body=urlencode(fields, doseq=True),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept, **headers},
    )


def test_a_plain_html_form_post_is_redirected_to_the_success_page(client, aws):
    response = post_form(
        client,
        [
            ("email", "bob@example.com"),
            ("consent", "on"),
            ("interests", "routing"),
            ("interests", "capture"),
            ("website", ""),
        ],
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{LANDING}/thanks.html"
    lead = client.http.get("/leads?email=bob@example.com", headers=ADMIN).json_body["leads"][0]
    assert lead["profile"]["interests"] == ["capture", "routing"]


def test_a_script_posting_form_data_gets_the_json_answer(client):
    response = post_form(client, {"email": "bob@example.com", "consent": "on"}, accept="*/*")
    assert response.status_code == 202 and response.json_body == {"status": "pending_confirmation"}


def test_new_pending_and_confirmed_addresses_get_the_same_answer(client, stream, mailbox):
    first = submit(client)
    stream.pump()
    again_pending = submit(client)
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[0]}")
    again_confirmed = submit(client)
    answers = {
        (r.status_code, r.body, tuple(sorted(r.headers.items()))) for r in (first, again_pending, again_confirmed)
    }
    assert len(answers) == 1


def test_a_post_to_a_confirmed_lead_changes_no_profile_field_keeps_the_offer_and_mails_nothing(
    client, stream, mailbox, clock
):
    submit(client, first_name="Ann", company="ACME")
    stream.pump()
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[0]}")
    clock.advance(3600)
    submit(client, first_name="Anna", company="Evil Corp", job_title="CTO", utm_campaign="winter")
    stream.pump()
    assert len(mailbox.messages()) == 1
    lead = client.http.get("/leads?email=ann@example.com", headers=ADMIN).json_body["leads"][0]
    # not even the empty job title: "CTO" would earn fit points a stranger chose
    assert lead["profile"] == {"first_name": "Ann", "company": "ACME"}
    assert [a["type"] for a in lead["activities"]] == ["form_submitted", "form_submitted"]
    latest = lead["activities"][1]["data"]
    assert latest["utm_campaign"] == "winter"
    assert latest["offered_profile"] == {"first_name": "Anna", "company": "Evil Corp", "job_title": "CTO"}
    assert len(lead["consents"]) == 2
    # reps see the differing values in the lead's timeline
    view = client.http.get(f"/leads/{lead['lead_id']}", headers=ADMIN).json_body
    [shown] = [e for e in view["timeline"] if e["item"].get("data", {}).get("offered_profile")]
    assert shown["item"]["data"]["offered_profile"]["company"] == "Evil Corp"


@pytest.mark.parametrize(
    "token, extra",
    [
        (lambda: render_token(), {"website": "http://spam.example"}),
        (lambda: None, {}),  # no token at all
        (lambda: "k1.e30.forged", {}),
        (lambda: render_token(age_seconds=0), {}),  # posted at once
        (lambda: render_token("another-form"), {}),
    ],
    ids=["honeypot", "no-token", "forged", "too-fast", "other-form"],
)
def test_bots_get_the_success_answer_and_nothing_is_stored(client, aws, token, extra):
    body = {"email": "ann@example.com", "consent": True, **extra}
    if token() is not None:
        body["_render_token"] = token()
    response = json_post(client, json.dumps(body))
    assert response.status_code == 202 and response.json_body == {"status": "pending_confirmation"}
    assert [i["pk"]["S"].split("#")[0] for i in stored_items(aws)] == ["RATE"]  # counted, like a person's post


def test_a_rate_limited_ip_gets_429_for_a_bot_post_as_for_a_person(client, aws, services):
    playbook = services.playbook
    per_ip = playbook.capture.per_ip.model_copy(update={"limit": 1})
    services.playbook = playbook.model_copy(update={"capture": playbook.capture.model_copy(update={"per_ip": per_ip})})
    assert submit(client, email="person@example.com").status_code == 202
    person = submit(client, email="another@example.com")
    bot = submit(client, email="bot@example.com", website="http://spam.example")
    too_fast = submit(client, email="fast@example.com", _render_token=render_token(age_seconds=0))
    assert person.status_code == bot.status_code == too_fast.status_code == 429
    assert person.json_body == bot.json_body == too_fast.json_body


def test_a_static_page_gets_a_form_bound_render_token_for_its_origin(client, clock):
    answer = client.http.get("/forms/demo/token", headers={"Origin": LANDING})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == LANDING
    assert answer.headers["Cache-Control"] == "no-store" and answer.json_body["field"] == "_render_token"
    token = answer.json_body["token"]
    assert submit(client, email="quick@example.com", _render_token=token).status_code == 202
    assert client.http.get("/leads?email=quick@example.com", headers=ADMIN).json_body["leads"] == []  # too fast
    clock.advance(5)
    assert submit(client, email="later@example.com", _render_token=token).status_code == 202
    assert len(client.http.get("/leads?email=later@example.com", headers=ADMIN).json_body["leads"]) == 1
    assert client.http.get("/forms/nope/token").status_code == 404


def json_post(client, body, content_type="application/json", form="demo"):
    return client.http.post(f"/forms/{form}/submissions", body=body, headers={"Content-Type": content_type})


GOOD = {"email": "ann@example.com", "consent": True}


@pytest.mark.parametrize(
    "body, content_type, status, field",
    [
        (json.dumps({**GOOD, "first_name": "Ann\r\nBcc: victim@example.com"}), "application/json", 400, "first_name"),
        (json.dumps({**GOOD, "last_name": "Smith\u2028Bcc: x"}), "application/json", 400, "last_name"),
        (json.dumps({**GOOD, "company": ["a", "b"]}), "application/json", 400, "company"),
        (json.dumps({**GOOD, "company": 7}), "application/json", 400, "company"),
        (json.dumps({**GOOD, "consent": False}), "application/json", 400, "consent"),
        (json.dumps({"email": "ann@example.com"}), "application/json", 400, "consent"),
        (json.dumps({**GOOD, "email": "ann@@example.com"}), "application/json", 400, "email"),
        (json.dumps({**GOOD, "role": "admin"}), "application/json", 400, "role"),
        (json.dumps({**GOOD, "first_name": "x" * 101}), "application/json", 400, "first_name"),
        ("{not json", "application/json", 400, "body"),
        ("[1, 2]", "application/json", 400, "body"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", 400, "body"),
        (json.dumps({**GOOD, "company": "x" * 17000}), "application/json", 413, "body"),
        ("email=ann%40example.com", "text/plain", 415, "content-type"),
        ("<xml/>", "application/xml", 415, "content-type"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_stores_nothing(client, aws, body, content_type, status, field):
    response = json_post(client, body, content_type)
    assert response.status_code == status
    assert field in response.json_body["errors"]
    assert stored_items(aws) == []


def test_an_unknown_form_is_a_404(client, aws):
    response = json_post(client, json.dumps(GOOD), form="nope")
    assert response.status_code == 404 and response.json_body == {"errors": {"form_id": "unknown form"}}
    assert stored_items(aws) == []


def test_too_many_posts_from_one_address_are_429_with_retry_after(client, aws, services):
    limit = services.playbook.capture.per_email.limit
    for _ in range(limit):
        assert submit(client).status_code == 202
    before = stored_items(aws)
    refused = submit(client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert stored_items(aws) == before


def test_too_many_posts_from_one_ip_are_429_and_store_nothing(client, aws, services):
    playbook = services.playbook
    limit = 3
    per_ip = playbook.capture.per_ip.model_copy(update={"limit": limit})
    services.playbook = playbook.model_copy(update={"capture": playbook.capture.model_copy(update={"per_ip": per_ip})})
    for n in range(limit):
        assert submit(client, email=f"person{n}@example.com").status_code == 202
    before = len(stored_items(aws))
    refused = submit(client, email="one-more@example.com")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert len(stored_items(aws)) == before


def test_cors_answers_only_the_forms_origins(client):
    allowed = client.http.request("OPTIONS", "/forms/demo/submissions", headers={"Origin": LANDING})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == LANDING and allowed.headers["Vary"] == "Origin"
    other = client.http.request("OPTIONS", "/forms/demo/submissions", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    posted = submit(client, headers={"Origin": LANDING})
    assert posted.headers["Access-Control-Allow-Origin"] == LANDING
    failed = submit(client, headers={"Origin": LANDING}, consent=False)
    assert failed.status_code == 400 and failed.headers["Access-Control-Allow-Origin"] == LANDING


def test_the_consent_record_keeps_the_evidence(client):
    submit(client, headers={"User-Agent": "Firefox/140", "Referer": f"{LANDING}/demo.html"}, utm_campaign="q4")
    lead = client.http.get("/leads?email=ann@example.com", headers=ADMIN).json_body["leads"][0]
    [consent] = lead["consents"]
    assert consent["form_id"] == "demo" and consent["user_agent"] == "Firefox/140"
    assert consent["page_url"] == f"{LANDING}/demo.html" and consent["attribution"] == {"utm_campaign": "q4"}
    assert consent["consent_text"].startswith("Ja, ich möchte") and consent["given_at"].startswith("2026-11-23T09")
    assert consent["ip"]


def test_new_pending_and_confirmed_addresses_cost_the_same_calls(client, stream, mailbox, monkeypatch):
    """No timing oracle: the same DynamoDB calls whether the address is
    stored or not (the time itself is measured in bench/bench_capture.py)."""
    import botocore.client

    real = botocore.client.BaseClient._make_api_call
    calls = []

    def counting(client_, operation, params):
        calls.append(operation)
        return real(client_, operation, params)

    def calls_for(**fields):
        calls.clear()
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        assert submit(client, **fields).status_code == 202
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", real)
        return list(calls)

    new = calls_for()
    stream.pump()
    pending = calls_for()
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[0]}")
    confirmed = calls_for()
    assert new == pending == confirmed
