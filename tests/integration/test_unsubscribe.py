"""Unsubscribe links: the page changes nothing, the POST (button or RFC 8058
one-click) unsubscribes at once, idempotently, and stops all mail."""

import json
import re

import pytest
import urllib3

from chalicelib.consent.permission import MARKETING, may_mail
from chalicelib.consent.unsubscribe import ONE_CLICK_BODY

from .conftest import ADMIN, stored_items, submit

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def lead(client, email="ann@example.com"):
    return client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"][0]


def confirmed_lead(client, stream, mailbox):
    submit(client)
    stream.pump()
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}")
    return lead(client)


def path(services, lead_id):
    return services.unsubscribe.link(lead_id).url.removeprefix(services.settings.public_url)


def test_the_link_and_headers_mail_builders_get(services):
    link = services.unsubscribe.link("lead-1")
    assert link.url.startswith("https://api.leadflow.test/unsubscribe/k1.")
    assert link.headers == {"List-Unsubscribe": f"<{link.url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert "ann" not in link.url


def test_the_page_shows_a_button_in_the_leads_language_and_changes_nothing(client, stream, mailbox, services, aws):
    ann = confirmed_lead(client, stream, mailbox)
    before = stored_items(aws)
    page = client.http.get(path(services, ann["lead_id"]))
    assert page.status_code == 200
    assert b'<form method="post"' in page.body and b"Abmelden" in page.body  # the demo form is German
    assert client.http.head(path(services, ann["lead_id"])).status_code == 200
    assert stored_items(aws) == before


def test_one_click_unsubscribes_at_once_and_twice_is_the_same(client, stream, mailbox, services, clock):
    ann = confirmed_lead(client, stream, mailbox)
    clock.advance(60)
    first = client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    assert first.status_code == 200 and "Location" not in first.headers
    assert b"Abgemeldet" in first.body
    again = client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    assert again.status_code == 200

    ann = lead(client)
    assert ann["status"] == "unsubscribed" and ann["unsubscribed_at"] == "2026-11-23T09:01:00.000Z"
    [withdrawal] = ann["withdrawals"]
    assert withdrawal["method"] == "one_click" and withdrawal["withdrawn_at"] == ann["unsubscribed_at"]
    assert [a["type"] for a in ann["activities"]].count("unsubscribed") == 1
    [consent] = ann["consents"]
    assert consent["confirmed_at"]  # the evidence of the opt-in stays as it was
    assert not may_mail(services.leads.get(ann["lead_id"]), MARKETING)


def multipart(fields):
    """Form data as an HTTP client library encodes it (urllib3, under requests)."""
    body, content_type = urllib3.encode_multipart_formdata(fields)
    return {"Content-Type": content_type}, body


@pytest.mark.parametrize(
    "headers, body",
    [
        (FORM, ONE_CLICK_BODY),
        multipart({"List-Unsubscribe": "One-Click"}),
        ({}, b""),
        (FORM, b""),
    ],
    ids=["urlencoded", "multipart", "empty", "empty-urlencoded"],
)
def test_every_one_click_body_shape_is_recorded_as_one_click(client, stream, mailbox, services, headers, body):
    ann = confirmed_lead(client, stream, mailbox)
    response = client.http.post(path(services, ann["lead_id"]), headers=headers, body=body)
    assert response.status_code == 200
    [withdrawal] = lead(client)["withdrawals"]
    assert withdrawal["method"] == "one_click"


def test_the_pages_button_unsubscribes_too(client, stream, mailbox, services):
    ann = confirmed_lead(client, stream, mailbox)
    page = client.http.get(path(services, ann["lead_id"])).body.decode()
    # what a browser posts for the page's form: its button's name and value
    button = re.search(r'<button type="submit"[^>]* name="([^"]+)" value="([^"]+)"', page)
    response = client.http.post(path(services, ann["lead_id"]), headers=FORM, body="=".join(button.groups()))
    assert response.status_code == 200
    assert lead(client)["withdrawals"][0]["method"] == "page"


def test_a_bad_token_gets_a_404_page_and_changes_nothing(client, stream, mailbox, services, aws):
    ann = confirmed_lead(client, stream, mailbox)
    good = path(services, ann["lead_id"])
    before = stored_items(aws)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    wrong_purpose = "/unsubscribe/" + services.signer.sign("lead", {"l": ann["lead_id"]})
    for bad in (forged, wrong_purpose, "/unsubscribe/nonsense"):
        assert client.http.get(bad).status_code == 404
        response = client.http.post(bad, headers=FORM, body=ONE_CLICK_BODY)
        assert response.status_code == 404 and b"<h1>" in response.body
    assert stored_items(aws) == before


def test_a_link_of_an_erased_lead_says_unsubscribed_and_writes_nothing(client, services, aws):
    response = client.http.post(path(services, "no-such-lead"), headers=FORM, body=ONE_CLICK_BODY)
    assert response.status_code == 200 and stored_items(aws) == []


def test_signing_up_again_after_unsubscribing_starts_a_fresh_double_opt_in(client, stream, mailbox, services, clock):
    ann = confirmed_lead(client, stream, mailbox)
    client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    stream.pump()
    clock.advance(3600)
    submit(client)
    stream.pump()
    assert len(mailbox.messages()) == 2
    assert client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}").status_code == 303
    again = lead(client)
    assert again["status"] == "confirmed" and len(again["withdrawals"]) == 1


def test_json_is_not_needed_for_one_click(client, stream, mailbox, services):
    """Mailbox providers post form data without cookies; any body type works."""
    ann = confirmed_lead(client, stream, mailbox)
    response = client.http.post(
        path(services, ann["lead_id"]), headers={"Content-Type": "application/json"}, body=json.dumps({})
    )
    assert response.status_code == 200 and lead(client)["status"] == "unsubscribed"


def test_an_unconfirmed_leads_withdrawal_expires_with_it_unless_it_confirms_after_all(
    client, stream, mailbox, services, aws
):
    submit(client)
    stream.pump()
    ann = lead(client)
    client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    ann = lead(client)
    assert ann["status"] == "unsubscribed"
    lead_ttl = services.leads.get(ann["lead_id"]).expires_at
    assert ann["withdrawals"][0]["expires_at"] == lead_ttl  # no orphaned evidence once the lead expires

    assert client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}").status_code == 303
    ann = lead(client)
    assert ann["status"] == "confirmed"
    assert "expires_at" not in ann["withdrawals"][0]
    assert all("expires_at" not in a for a in ann["activities"])
