"""What a refused form post, and a page no form decides, say and in which
language: the form's for its answers (de, en), `Accept-Language` for an
invalid link; a browser gets HTML, never JSON. Addresses are taken only if
SES can deliver to them."""

import email
import email.policy
import json
import re
from urllib.parse import urlencode

import pytest

from .conftest import ADMIN, render_token, stored_items, submit

LANDING = "http://127.0.0.1:8001"
BROWSER = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


def with_form(services, form_id, **changes):
    """The playbook with one more form: the demo form changed as given."""
    playbook = services.playbook
    form = playbook.forms["demo"].model_copy(update=changes)
    services.playbook = playbook.model_copy(update={"forms": {**playbook.forms, form_id: form}})


def browser_post(client, fields, form_id="demo", **headers):
    body = urlencode({"_render_token": render_token(form_id), **fields}, doseq=True)
    return client.http.post(f"/forms/{form_id}/submissions", body=body, headers={**BROWSER, **headers})


# --- addresses SES can deliver ------------------------------------------------------
@pytest.mark.parametrize(
    "address, german",
    [
        ("jürgen@example.de", "darf vor dem @ keine Umlaute, kein ß"),
        ("a" * 65 + "@example.com", "darf vor dem @ höchstens 64 Zeichen haben"),
    ],
    ids=["umlaut-local-part", "65-octet-local-part"],
)
def test_an_address_ses_cannot_deliver_is_a_400_in_the_forms_language_and_stores_nothing(client, aws, address, german):
    response = submit(client, email=address)
    assert response.status_code == 400
    assert response.json_body["errors"]["email"].startswith(german)
    assert stored_items(aws) == []


def test_an_internationalised_domain_is_stored_and_mailed_as_punycode(client, stream, mailbox):
    assert submit(client, email="Ann@Bücher.de").status_code == 202
    stream.pump()
    [lead] = client.http.get("/leads?email=ann@xn--bcher-kva.de", headers=ADMIN).json_body["leads"]
    assert lead["email"] == "ann@xn--bcher-kva.de"
    [sent] = mailbox.messages()
    to = email.message_from_string(sent.raw_data, policy=email.policy.compat32)["To"]
    assert "ann@xn--bcher-kva.de" in to and "=?" not in to and to.isascii()


# --- error messages in the form's language ---------------------------------------------
def json_post(client, body, content_type="application/json", form_id="demo", **headers):
    return client.http.post(
        f"/forms/{form_id}/submissions", body=body, headers={"Content-Type": content_type, **headers}
    )


@pytest.mark.parametrize(
    "body, content_type, status, field, german, english",
    [
        (
            json.dumps({"email": "ann@example.com"}),
            "application/json",
            400,
            "consent",
            "ist ein Pflichtfeld",
            "is required",
        ),
        (
            json.dumps({"email": "ann@example.com", "consent": True, "first_name": "x" * 101}),
            "application/json",
            400,
            "first_name",
            "darf höchstens 100 Zeichen lang sein",
            "must be at most 100 characters",
        ),
        (
            json.dumps({"email": "ann@example.com", "consent": True, "company_size": "12"}),
            "application/json",
            400,
            "company_size",
            "muss einer dieser Werte sein: 1-10, 11-50, 51-200, 201-1000, 1000+",
            "must be one of 1-10, 11-50, 51-200, 201-1000, 1000+",
        ),
        ("{not json", "application/json", 400, "body", "ist kein gültiges JSON", "is not valid JSON"),
        (
            "x=" + "y" * 17000,
            "application/json",
            413,
            "body",
            "darf höchstens 16384 Bytes groß sein",
            "must be at most",
        ),
        ("<xml/>", "application/xml", 415, "content-type", "muss application/json oder", "must be application/json"),
    ],
    ids=["required", "too-long", "choice", "bad-json", "too-large", "media-type"],
)
def test_every_refusal_comes_in_the_forms_language(
    client, services, aws, body, content_type, status, field, german, english
):
    with_form(services, "demo_en", locale="en")
    german_answer = json_post(client, body, content_type)
    english_answer = json_post(client, body, content_type, form_id="demo_en", **{"Accept-Language": "de"})
    assert german_answer.status_code == english_answer.status_code == status
    assert german_answer.json_body["errors"][field].startswith(german)
    assert english_answer.json_body["errors"][field].startswith(english)
    assert stored_items(aws) == []


def test_the_rate_limit_answer_comes_in_the_forms_language(client, services):
    for _ in range(services.playbook.capture.per_email.limit):
        assert submit(client).status_code == 202
    refused = submit(client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json_body == {"errors": {"rate": "zu viele Anmeldungen, bitte versuchen Sie es später noch einmal"}}


def test_an_unknown_form_answers_in_the_readers_language(client, aws):
    german = json_post(client, "{}", form_id="nope", **{"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert german.status_code == 404 and german.json_body == {"errors": {"form_id": "unbekanntes Formular"}}
    english = json_post(client, "{}", form_id="nope", **{"Accept-Language": "fr-FR,en;q=0.7,de;q=0.3"})
    assert english.json_body == {"errors": {"form_id": "unknown form"}}


def test_invalid_links_follow_accept_language(client):
    links = ("/confirm/not-a-token", "/unsubscribe/k1.not-a-token", "/rep/not-a-token/accept", "/t/c/not-a-token")
    for path in links:
        german = client.http.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
        assert german.status_code == 404
        assert b'<html lang="de">' in german.body and "Ungültiger Link".encode() in german.body
        english = client.http.get(path, headers={"Accept-Language": "en-GB"})
        assert b'<html lang="en">' in english.body and b"Invalid link" in english.body


# --- a browser that posted the form gets HTML --------------------------------------
def test_a_refused_html_form_post_gets_a_page_that_lists_the_problems_and_links_back(client, aws):
    response = browser_post(
        client, {"email": "jürgen@example.de", "first_name": "x" * 101}, Referer=f"{LANDING}/landing.html"
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.body.decode()
    assert '<html lang="de">' in page and "Bitte prüfen Sie Ihre Angaben" in page
    problems = re.findall(r"<li>(.*?)</li>", page, re.S)
    assert "<strong>E-Mail</strong>: darf vor dem @ keine Umlaute" in problems[0]
    assert any("<strong>Vorname</strong>: darf höchstens 100 Zeichen lang sein" in p for p in problems)
    assert any("<strong>Einwilligung</strong>: ist ein Pflichtfeld" in p for p in problems)
    assert f'<a href="{LANDING}/landing.html" id="back">Zurück zum Formular</a>' in page
    assert stored_items(aws) == []


def test_a_rate_limited_html_form_post_gets_a_page_with_retry_after(client, services):
    fields = {"email": "ann@example.com", "consent": "on"}
    for _ in range(services.playbook.capture.per_email.limit):
        assert browser_post(client, fields).status_code == 303
    refused = browser_post(client, fields)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "zu viele Anmeldungen" in refused.body.decode()


def test_without_a_referer_or_with_a_script_url_the_page_links_to_the_forms_site(client):
    for headers in ({}, {"Referer": "javascript:alert(1)"}):
        page = browser_post(client, {"email": "ann@example.com"}, **headers).body.decode()
        assert f'<a href="{LANDING}/" id="back">' in page and "javascript" not in page


def test_a_form_with_an_error_url_sends_the_browser_there(client, services, aws):
    with_form(services, "with_error_page", error_url=f"{LANDING}/oops.html")
    response = browser_post(client, {"email": "ann@example.com"}, form_id="with_error_page")
    assert response.status_code == 303 and response.headers["Location"] == f"{LANDING}/oops.html"
    assert stored_items(aws) == []


def test_a_script_posting_form_data_still_gets_json_errors(client):
    response = browser_post(client, {"email": "ann@example.com"}, Accept="application/json")
    assert response.status_code == 400 and response.json_body == {"errors": {"consent": "ist ein Pflichtfeld"}}


def test_a_lead_that_keeps_changing_is_a_503_in_the_forms_language(client, services, monkeypatch):
    from chalicelib.storage.errors import VersionConflict

    def conflict(*args, **kwargs):
        raise VersionConflict("changed meanwhile")

    monkeypatch.setattr(services.leads, "write_signup", conflict)
    monkeypatch.setattr(services.leads, "signup_state", lambda lead_id: None)
    answer = submit(client)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.json_body == {"errors": {"lead": "gerade ausgelastet, bitte versuchen Sie es gleich noch einmal"}}
    page = browser_post(client, {"email": "ann@example.com", "consent": "on"})
    assert page.status_code == 503 and "gerade ausgelastet" in page.body.decode()
