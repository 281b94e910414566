"""Consent evidence lasts while the lead exists; an unconfirmed signup past
its TTL is absent everywhere, before DynamoDB deletes it."""

from chalicelib.storage.models import OPT_IN_PREFIX, lead_pk

from .conftest import ADMIN, stored_items, submit

WEEKS = 8 * 7 * 24 * 3600


def lead_id_of(client, email="ann@example.com"):
    [lead] = client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"]
    return lead["lead_id"]


def opt_in_records(aws, lead_id):
    return [i for i in stored_items(aws) if i["pk"]["S"] == lead_pk(lead_id) and i["sk"]["S"].startswith(OPT_IN_PREFIX)]


def test_the_opt_in_mail_record_loses_its_ttl_at_confirmation_and_is_exported(client, stream, mailbox, clock, aws):
    submit(client)
    stream.pump()
    lead_id = lead_id_of(client)
    assert client.http.post(f"/confirm/{mailbox.confirm_tokens()[0]}").status_code == 303
    clock.advance(WEEKS)

    [stored] = opt_in_records(aws, lead_id)
    assert "expires_at" not in stored
    [shown] = client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body["opt_in_mails"]
    [exported] = client.http.get(f"/leads/{lead_id}/export", headers=ADMIN).json_body["opt_in_mails"]
    for record in (shown, exported):
        assert record["sent_at"] and record["message_id"] == mailbox.messages()[0].id
        assert record["template"] == "optin" and record["consent_version"] == "2026-11-01"

    assert client.http.delete(f"/leads/{lead_id}", headers=ADMIN).status_code == 200
    assert opt_in_records(aws, lead_id) == []


def test_an_expired_pending_signup_is_absent_from_view_list_and_export(client, stream, clock):
    submit(client)
    stream.pump()
    lead_id = lead_id_of(client)
    clock.advance(8 * 24 * 3600)  # past the pending TTL; moto never deletes it
    assert client.http.get("/leads?email=ann@example.com", headers=ADMIN).json_body["leads"] == []
    assert client.http.get(f"/leads/{lead_id}", headers=ADMIN).status_code == 404
    assert client.http.get(f"/leads/{lead_id}/export", headers=ADMIN).status_code == 404
