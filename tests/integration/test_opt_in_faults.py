"""Exactly one opt-in mail under retries, and confirmation under races."""

from botocore.exceptions import ClientError

from chalicelib.storage.models import LEAD_SK, LeadItem, lead_pk

from .conftest import ADMIN, stored_items, submit


def lead(client, email="ann@example.com"):
    leads = client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"]
    return leads[0] if leads else None


def test_ses_throttling_is_retried_and_ends_with_exactly_one_mail(client, stream, mailbox, services, monkeypatch):
    real_send = services.ses.send_raw_email
    calls = []

    def throttled_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendRawEmail"
            )
        return real_send(**kwargs)

    monkeypatch.setattr(services.ses, "send_raw_email", throttled_once)
    submit(client)
    records = stream.records()
    failed = stream.deliver(records)
    assert failed["batchItemFailures"] and mailbox.messages() == []
    assert stream.deliver(records) == {"batchItemFailures": []}  # Lambda retries the batch
    stream.pump()
    assert len(mailbox.messages()) == 1 and len(calls) == 2
    [token] = mailbox.confirm_tokens()
    assert client.http.post(f"/confirm/{token}").status_code == 303


def test_a_redelivered_stream_batch_sends_nothing_more(client, stream, mailbox):
    submit(client)
    records = stream.records()
    assert stream.deliver(records) == {"batchItemFailures": []}
    assert stream.deliver(records) == {"batchItemFailures": []}
    assert len(mailbox.messages()) == 1


def test_a_crash_between_send_and_record_errs_on_a_second_mail_whose_link_supersedes(
    client, stream, mailbox, services, monkeypatch
):
    store = services.opt_in._store
    real_record = store.record_sent
    crashes = []

    def crash_once(*args):
        if not crashes:
            crashes.append(args)
            raise RuntimeError("Lambda timed out after SES accepted the mail")
        return real_record(*args)

    monkeypatch.setattr(store, "record_sent", crash_once)
    submit(client)
    records = stream.records()
    assert stream.deliver(records)["batchItemFailures"]
    assert stream.deliver(records) == {"batchItemFailures": []}
    first, second = mailbox.confirm_tokens()
    assert client.http.get(f"/confirm/{first}").status_code == 410  # offers a new link
    assert client.http.post(f"/confirm/{second}").status_code == 303
    assert lead(client)["status"] == "confirmed"


def test_two_concurrent_confirms_both_succeed_and_confirm_once(client, stream, mailbox, services, monkeypatch):
    submit(client)
    stream.pump()
    [token] = mailbox.confirm_tokens()
    store = services.opt_in._store
    real_confirm = store.confirm
    raced = []

    def other_request_wins_first(lead_item, *args):
        if not raced:  # the other request confirms between our read and our write
            raced.append(True)
            assert client.http.post(f"/confirm/{token}", headers={"User-Agent": "other"}).status_code == 303
        return real_confirm(lead_item, *args)

    monkeypatch.setattr(store, "confirm", other_request_wins_first)
    assert client.http.post(f"/confirm/{token}", headers={"User-Agent": "mine"}).status_code == 303
    confirmed = lead(client)
    assert confirmed["status"] == "confirmed"
    [consent] = confirmed["consents"]
    assert consent["confirmed_user_agent"] == "other"
    assert len(confirmed["stage_changes"]) == 1


def test_confirming_again_is_the_same_success(client, stream, mailbox):
    submit(client)
    stream.pump()
    [token] = mailbox.confirm_tokens()
    first = client.http.post(f"/confirm/{token}")
    again = client.http.post(f"/confirm/{token}")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert client.http.get(f"/confirm/{token}").status_code == 200


def test_a_resubmission_after_the_cooldown_resends_and_rotates_the_token(client, stream, mailbox, clock):
    submit(client)
    stream.pump()
    submit(client)  # inside the cooldown: same answer, no mail
    stream.pump()
    assert len(mailbox.messages()) == 1
    clock.advance(11 * 60)
    submit(client)
    stream.pump()
    old, new = mailbox.confirm_tokens()
    page = client.http.get(f"/confirm/{old}")
    assert page.status_code == 410 and b'action="https://api.leadflow.test/forms/demo/submissions"' in page.body
    assert client.http.post(f"/confirm/{old}").status_code == 410
    assert lead(client)["status"] == "pending"
    assert client.http.post(f"/confirm/{new}").status_code == 303


def test_an_expired_link_changes_nothing_and_offers_a_new_one(client, stream, mailbox, clock):
    submit(client)
    stream.pump()
    [token] = mailbox.confirm_tokens()
    clock.advance(73 * 3600)
    assert client.http.get(f"/confirm/{token}").status_code == 410
    assert client.http.post(f"/confirm/{token}").status_code == 410
    assert lead(client)["status"] == "pending"


def test_an_unknown_link_gets_a_page_that_escapes_what_it_echoes(client):
    page = client.http.get("/confirm/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert page.status_code == 404
    assert b"<script>" not in page.body and page.headers["Content-Type"].startswith("text/html")


def test_unconfirmed_signups_expire_and_a_later_signup_starts_afresh(client, stream, mailbox, clock, aws):
    submit(client, first_name="Ann")
    stream.pump()
    clock.advance(8 * 24 * 3600)
    assert lead(client) is None  # past its TTL even before DynamoDB deletes it
    submit(client)
    stream.pump()
    fresh = lead(client)
    assert fresh["status"] == "pending" and fresh["profile"] == {}
    assert len(mailbox.messages()) == 2
    assert client.http.post(f"/confirm/{mailbox.confirm_tokens()[1]}").status_code == 303


def test_no_opt_in_mail_goes_to_a_suppressed_address(client, stream, mailbox):
    submit(client)
    lead_id = lead(client)["lead_id"]
    item = LeadItem.get(lead_pk(lead_id), LEAD_SK)
    item.update([LeadItem.suppressed.set(True)])
    stream.pump()
    assert mailbox.messages() == []
    [request] = lead(client)["opt_in_mails"]
    assert request["skipped"] == "suppressed"


def test_admin_routes_need_a_valid_bearer_token(client, aws):
    assert client.http.get("/leads?email=ann@example.com").status_code == 401
    assert client.http.get("/leads/abc", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.http.get("/leads/abc", headers={"Authorization": "Basic dGVzdA=="}).status_code == 401
    assert client.http.get("/leads/abc", headers=ADMIN).status_code == 404
    assert client.http.get("/leads?email=nope", headers=ADMIN).status_code == 400
    assert stored_items(aws) == []


def test_the_signup_writes_no_opt_in_item_and_the_sender_records_the_mail_once(client, stream, mailbox, aws):
    submit(client)
    kinds = sorted(i["sk"]["S"].split("#")[0] for i in stored_items(aws) if i["pk"]["S"].startswith("LEAD#"))
    assert kinds == ["ACT", "CONSENT", "LEAD"]  # the request travels on the lead item
    records = stream.records()
    assert stream.deliver(records) == {"batchItemFailures": []}
    assert stream.deliver(records) == {"batchItemFailures": []}  # redelivered
    stream.pump()
    [request] = lead(client)["opt_in_mails"]
    assert request["sent_at"] and request["number"] == 1 and len(mailbox.messages()) == 1
