"""On the local stack over HTTP: a rep records a won recurring deal through
the outcome form of the mail's link, the stream consumer counts it, and the
revenue report shows it per source and campaign against the campaign's
spend."""

import re

import pytest
import requests

from .test_local_stack import address
from .test_routing_local import DACH, sql_lead

pytestmark = pytest.mark.e2e


def rep_link(mail: dict, action: str) -> str:
    return re.search(rf"http://\S+/rep/[^/\s]+/{action}", mail["text"]).group(0)


def test_a_deal_won_through_the_rep_form_shows_in_the_revenue_report(api):
    email = address("deal")
    sql_lead(api, email)
    lead_id = api.lead(email)["lead_id"]
    [mail] = [m for rep in DACH for m in api.mail_to(rep) if "Dora" in m["subject"]]
    assert requests.post(rep_link(mail, "accept"), timeout=10).status_code == 200
    form = requests.get(rep_link(mail, "outcome"), timeout=10)
    assert form.status_code == 200 and 'name="recurring"' in form.text and 'value="competitor"' in form.text

    # a refused detail changes nothing, and says why in the demo DACH rep's German
    refused = requests.post(
        rep_link(mail, "outcome"), data={"outcome": "won", "value": "12.345", "currency": "EUR"}, timeout=10
    )
    assert refused.status_code == 400 and '<html lang="de">' in refused.text
    assert "<strong>Wert</strong>: muss ein positiver Betrag mit höchstens 2 Nachkommastellen sein" in refused.text
    assert requests.post(f"{api.url}/_local/clock", json={"advance_seconds": 60}, timeout=10).ok
    won = requests.post(
        rep_link(mail, "outcome"),
        data={"outcome": "won", "value": "250", "currency": "EUR", "recurring": "monthly", "expected_months": "12"},
        timeout=10,
    )
    assert won.status_code == 200 and "won" in won.text
    api.drain()
    day = requests.get(f"{api.url}/_local/clock", timeout=10).json()["now"][:10]
    spend = {"amount": 1000, "currency": "EUR", "period": {"from": day, "to": day}}
    assert requests.put(f"{api.url}/campaigns/(none)/spend", json=spend, headers=api.admin, timeout=10).ok

    answer = requests.get(f"{api.url}/reports/revenue", params={"from": day, "to": day}, headers=api.admin, timeout=30)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    [eur] = report["total"]["money"]
    assert (eur["customers"], eur["revenue"], eur["recurring_lifetime"]) == (1, 3000.0, 3000.0)
    assert (eur["spend"], eur["roi"]) == (1000.0, 2.0)
    assert report["total"]["sql_acceptance"] == {"accepted": 1, "declined": 0, "rate": 1.0}
    assert report["counter_items_read"] == 1
    [assignment] = requests.get(f"{api.url}/assignments/{lead_id}", headers=api.admin, timeout=10).json()["assignments"]
    assert assignment["history"][-1]["recurring"] == "monthly"
