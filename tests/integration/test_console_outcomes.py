"""The console's outcome forms (the lead page and the rep's "my leads") take
the deal's value, the reason and the note exactly as the admin API does:
what the API refuses the console refuses, in the reader's language, with a
4xx page and nothing stored."""

from __future__ import annotations

import pytest

from .conftest import stored_items
from .console_client import Console, csrf_of, text
from .test_console import accepted, console, lead_page, my_leads_link  # noqa: F401 (fixtures)
from .test_routing_flow import assignments, put_rep, queue, sql_lead  # noqa: F401 (the queue fixture)


def last_event(client, lead_id):
    return assignments(client, lead_id)[-1]["history"][-1]


def test_the_lead_page_offers_the_deal_fields_and_the_playbooks_reasons_with_labels(console, accepted):
    lead_id, _ = accepted
    html = text(lead_page(console, lead_id))
    for field in ("value", "currency", "recurring", "expected_months", "reason", "note"):
        assert f'name="{field}"' in html, field
    for control in ("outcome-value", "outcome-currency", "outcome-recurring", "outcome-months", "outcome-reason"):
        assert f'<label for="{control}">' in html, control
    assert '<option value="no_budget">no_budget</option>' in html and 'maxlength="500"' in html


def test_a_won_outcome_from_the_lead_page_keeps_the_recurring_deal_as_the_api_does(client, console, accepted):
    lead_id, csrf = accepted
    fields = {"outcome": "won", "value": "99.90", "currency": "EUR", "recurring": "monthly", "expected_months": "24"}
    assert console.post(f"/console/leads/{lead_id}/outcome", {**fields, "note": "signed"}, csrf=csrf).status_code == 303
    event = last_event(client, lead_id)
    assert (event["outcome"], event["value"], event["currency"]) == ("won", "99.90", "EUR")
    assert (event["recurring"], event["expected_months"], event["note"]) == ("monthly", 24, "signed")


@pytest.mark.parametrize(
    ("fields", "field", "german"),
    [
        ({"outcome": "disqualified"}, "reason", "ist für das Ergebnis disqualified nötig"),
        ({"outcome": "lost", "reason": "bored"}, "reason", "muss einer dieser Werte sein"),
        ({"outcome": "won", "value": "12.345", "currency": "EUR"}, "value", "höchstens 2 Nachkommastellen"),
        ({"outcome": "won", "value": "100"}, "currency", "ISO-4217-Code"),
        ({"outcome": "lost", "value": "100", "currency": "EUR"}, "value", "gilt nicht für das Ergebnis lost"),
        ({"outcome": "won", "note": "x" * 501}, "note", "höchstens 500 Zeichen"),
    ],
)
def test_a_refused_detail_is_a_400_page_in_the_readers_language_and_changes_nothing(
    client, console, accepted, aws, fields, field, german
):
    lead_id, csrf = accepted
    console.get(f"/console/leads/{lead_id}?lang=de")
    before = stored_items(aws)
    answer = console.post(f"/console/leads/{lead_id}/outcome", fields, csrf=csrf)
    assert answer.status_code == 400
    assert f"<strong>{field}</strong>: " in text(answer) and german in text(answer)
    assert f'<a href="/console/leads/{lead_id}">Zurück</a>' in text(answer)
    assert stored_items(aws) == before


def test_an_over_long_note_is_refused_not_cut_by_the_admin_api_too(client, accepted, aws):
    from .test_revenue import act

    lead_id, _ = accepted
    before = stored_items(aws)
    answer = act(client, lead_id, "outcome", outcome="won", note="x" * 501)
    assert answer.status_code == 400 and "note" in answer.json_body["errors"]
    assert stored_items(aws) == before


def test_a_forged_outcome_post_without_the_csrf_token_changes_nothing(client, console, accepted, aws):
    lead_id, _ = accepted
    before = stored_items(aws)
    answer = console.post(f"/console/leads/{lead_id}/outcome", {"outcome": "won", "value": "10", "currency": "EUR"})
    assert answer.status_code == 403 and stored_items(aws) == before


def test_the_reps_view_records_an_opportunitys_expected_value_and_a_lost_reason(client, stream, mailbox, queue, aws):
    put_rep(client, "ada")
    first = sql_lead(client, stream, mailbox, "one@acme.example")
    second = sql_lead(client, stream, mailbox, "two@acme.example")
    queue.pump()
    path = my_leads_link(mailbox, "ada@sales.example")
    rep = Console(client)
    for lead_id in (first, second):
        assert rep.post(path + "/accept", {"lead": lead_id}, csrf=csrf_of(rep.get(path))).status_code == 303
    page = rep.get(path)
    assert '<label for="outcome-1-value">' in text(page) and '<option value="competitor">' in text(page)
    csrf = csrf_of(page)
    before = stored_items(aws)
    refused = rep.post(
        path + "/outcome", {"lead": first, "outcome": "opportunity", "value": "-5", "currency": "EUR"}, csrf=csrf
    )
    assert refused.status_code == 400 and "<strong>value</strong>" in text(refused)
    assert f'<a href="{path}">Back</a>' in text(refused)
    assert stored_items(aws) == before
    opportunity = {"lead": first, "outcome": "opportunity", "value": "5000", "currency": "EUR", "note": "call back"}
    assert rep.post(path + "/outcome", opportunity, csrf=csrf).status_code == 303
    assert (
        rep.post(path + "/outcome", {"lead": second, "outcome": "lost", "reason": "competitor"}, csrf=csrf).status_code
        == 303
    )
    event = last_event(client, first)
    assert (event["outcome"], event["value"], event["currency"], event["note"]) == (
        "opportunity",
        "5000",
        "EUR",
        "call back",
    )
    assert (last_event(client, second)["outcome"], last_event(client, second)["reason"]) == ("lost", "competitor")


def test_the_outcome_forms_new_controls_are_labelled_and_headings_stay_in_order(client, console, accepted, mailbox):
    from .test_console_accessibility import outline

    lead_id, _ = accepted
    rep = Console(client)
    for html in (text(lead_page(console, lead_id)), text(rep.get(my_leads_link(mailbox, "ada@sales.example")))):
        found = outline(html)
        assert len(found.controls) >= 7  # outcome, value, currency, recurring, months, reason, note
        for control in found.controls:
            assert control["wrapped"] or control.get("id") in found.label_for, control
        assert all(b - a <= 1 for a, b in zip(found.headings, found.headings[1:], strict=False)), found.headings
