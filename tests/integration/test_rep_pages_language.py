"""The rep's link pages (accept, decline, outcome) and their refusals speak
the rep's language (`locale`), whatever the browser asks for, as HTML bytes
with `lang` and a viewport; a refused outcome stores nothing."""

import re

import pytest

from .conftest import ADMIN, stored_items
from .test_routing_flow import link, put_rep, queue, rep_mails, sql_lead  # noqa: F401

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# the browser asks for the other language: the rep's own must win
ASKS = {"de": {"Accept-Language": "en-GB,en;q=0.9"}, "en": {"Accept-Language": "de-DE,de;q=0.9"}}
VIEWPORT = b'<meta name="viewport" content="width=device-width, initial-scale=1">'


@pytest.fixture
def reps(client, stream, mailbox, queue):
    """A German rep (DE) and an English one (AT), each with one SQL offered:
    {locale: (the rep's mail, the lead's id)}."""
    put_rep(client, "ann", locale="de")
    put_rep(client, "bob", locale="en", territories=["AT"])
    german = sql_lead(client, stream, mailbox, "de@acme.example", company="Acme")
    english = sql_lead(client, stream, mailbox, "at@acme.example", company="Acme", country="AT")
    queue.pump()
    [ann] = rep_mails(mailbox, "ann")
    [bob] = rep_mails(mailbox, "bob")
    return {"de": (ann, german), "en": (bob, english)}


def html(response) -> str:
    """The page as it leaves: bytes, declared UTF-8, with its language and viewport."""
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    raw = response.body if isinstance(response.body, bytes) else response.body.encode("utf-8")
    assert VIEWPORT in raw
    return raw.decode("utf-8")


def lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)">', page).group(1)


def accepted(client, mail, locale):
    assert client.http.post(link(mail, "accept"), headers=ASKS[locale]).status_code == 200


def assignment(client, lead_id):
    [a] = client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"]
    return a


WORDS = {
    "accept": {"de": ("Diesen Lead annehmen?", "Lead annehmen", " bei Acme"), "en": ("Accept this lead?", " at Acme")},
    "accepted": {
        "de": ("Angenommen", "Rufen Sie jetzt an.", "Ergebnis nach dem Gespräch erfassen"),
        "en": ("Accepted", "Call now.", "Record the outcome after the call"),
    },
    "outcome": {
        "de": ("Ergebnis erfassen", "Grund (verloren, disqualifiziert)", "Erwartete Monate", ">monatlich<"),
        "en": ("Record the outcome", "Reason (lost, disqualified)", "Expected months", ">monthly<"),
    },
    "declined": {"de": ("Abgelehnt", "geht an den nächsten Vertriebler"), "en": ("Declined", "goes to the next rep")},
}
ENGLISH = (
    "Accept this lead",
    "Call now",
    "Record the outcome",
    "Reason (lost",
    "Expected months",
    "Declined",
    " at Acme",
)


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_rep_link_pages_speak_the_reps_language_not_the_browsers(client, reps, locale):
    mail, _ = reps[locale]
    pages = {"accept": client.http.get(link(mail, "accept"), headers=ASKS[locale])}
    accepted(client, mail, locale)
    pages["accepted"] = client.http.get(link(mail, "accept"), headers=ASKS[locale])
    pages["outcome"] = client.http.get(link(mail, "outcome"), headers=ASKS[locale])
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = html(response)
        assert lang(page) == locale, name
        assert all(words in page for words in WORDS[name][locale]), (name, page)
        if locale == "de":
            assert not [words for words in ENGLISH if words in page], (name, page)


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_declined_page_speaks_the_reps_language(client, reps, locale):
    page = html(client.http.post(link(reps[locale][0], "decline"), headers=ASKS[locale]))
    assert lang(page) == locale and all(words in page for words in WORDS["declined"][locale]), page


ENGLISH_REFUSAL = ("Not done", " required for", "must ", "monthly<")
REFUSED = {
    # a disqualification needs its reason (the shipped playbook's reason_required)
    "outcome=disqualified&reason=&note=": {
        "de": ("<strong>Grund</strong>: ist für das Ergebnis disqualified nötig: eins von no_budget",),
        "en": ("<strong>Reason</strong>: required for the outcome &#39;disqualified&#39;: one of no_budget",),
    },
    "outcome=won&value=-5&currency=EUR": {
        "de": ("<strong>Wert</strong>: muss ein positiver Betrag mit höchstens 2 Nachkommastellen sein",),
        "en": ("<strong>Value</strong>: must be a positive amount with at most 2 decimals",),
    },
    "outcome=won&value=10&currency=EURO": {
        "de": ("<strong>Währung</strong>: muss ein ISO-4217-Code wie EUR sein",),
        "en": ("<strong>Currency</strong>: must be an ISO 4217 code like EUR",),
    },
    "outcome=teleported": {
        "de": ("<strong>Ergebnis</strong>: unbekanntes Ergebnis &#39;teleported&#39;; eins von opportunity, won",),
        "en": ("<strong>Outcome</strong>: unknown outcome &#39;teleported&#39;; one of opportunity, won",),
    },
}


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("body", list(REFUSED))
def test_a_refused_outcome_is_a_4xx_in_the_reps_language_shows_the_form_again_and_stores_nothing(
    client, aws, reps, clock, locale, body
):
    mail, lead_id = reps[locale]
    accepted(client, mail, locale)
    clock.advance(60)  # a stored outcome would be a new stage change, not the same item
    before = stored_items(aws)

    refused = client.http.post(link(mail, "outcome"), headers={**FORM, **ASKS[locale]}, body=body)

    assert refused.status_code == 400
    page = html(refused)
    assert lang(page) == locale
    assert ("Nicht erledigt" if locale == "de" else "Not done") in page
    assert all(words in page for words in REFUSED[body][locale]), page
    assert 'name="outcome"' in page and f'action="https://api.leadflow.test{link(mail, "outcome")}"' in page
    if locale == "de":
        assert not [words for words in ENGLISH + ENGLISH_REFUSAL if words in page], page
    assert stored_items(aws) == before
    a = assignment(client, lead_id)
    assert (a["status"], a["outcome"]) == ("accepted", None)


@pytest.mark.parametrize("locale", ["de", "en"])
def test_an_outcome_before_accepting_is_refused_in_the_reps_language_and_stores_nothing(client, aws, reps, locale):
    mail, lead_id = reps[locale]
    before = stored_items(aws)
    refused = client.http.post(link(mail, "outcome"), headers={**FORM, **ASKS[locale]}, body="outcome=won")
    assert refused.status_code == 409
    page = html(refused)
    expected = {
        "de": "<strong>Zuweisung</strong>: nehmen Sie den Lead an, bevor Sie ein Ergebnis erfassen",
        "en": "<strong>Assignment</strong>: accept the lead before recording an outcome",
    }
    assert lang(page) == locale and expected[locale] in page, page
    assert 'name="outcome"' not in page  # nothing to put right here: accept first
    assert stored_items(aws) == before
    assert assignment(client, lead_id)["status"] == "offered"


def test_a_link_no_longer_the_reps_is_refused_in_the_reps_language(client, stream, reps):
    mail, _ = reps["de"]
    assert client.http.post(link(mail, "decline"), headers=ASKS["de"]).status_code == 200
    stream.pump()
    shown = client.http.get(link(mail, "accept"), headers=ASKS["de"])
    posted = client.http.post(link(mail, "accept"), headers=ASKS["de"])

    assert shown.status_code == posted.status_code == 409
    page = html(shown)
    assert lang(page) == "de" and "Nicht mehr Ihrer" in page and "inzwischen neu zugewiesen" in page, page
    page = html(posted)
    assert lang(page) == "de" and "dieses Angebot wurde inzwischen beantwortet" in page, page
