"""A German demo rep's link pages in Debian's chromium as a 390x844 phone,
on the local stack: the accept page, the accepted page, the outcome form and
a refused outcome (disqualified without its reason) each have a viewport
meta tag, `lang="de"`, fit the screen and read German; the refusal stored
nothing. Screenshots go under test-artifacts/browser/rep-*.png."""

import re

import pytest
import requests

from tests.e2e.conftest import Api, stack  # noqa: F401 (the module's stack fixture)
from tests.e2e.test_routing_local import DACH, sql_lead

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
# a long address with nowhere to break: the summary line must still fit
LONG = "dora.mustermann.schmidt.von.und.zu.hohenlohe.ingelfingen@vertrieb.beispielunternehmen.example.com"


def seen(page, name: str) -> dict:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"rep-{name}.png"), full_page=True)
    return page.evaluate(
        """() => ({
            viewport: document.querySelector('meta[name="viewport"]')?.content ?? null,
            scroll_width: document.documentElement.scrollWidth,
            lang: document.documentElement.lang,
            shown: document.title + "\\n" + document.body.innerText,
        })"""
    )


def fits_in_german(found: dict, *words: str) -> None:
    assert found["viewport"] == "width=device-width, initial-scale=1", found
    assert found["scroll_width"] <= PHONE["width"], found
    assert found["lang"] == "de" and all(w in found["shown"] for w in words), found


def test_a_german_reps_link_pages_and_a_refused_outcome_fit_a_phone_and_read_german(stack, browser):
    api = Api(stack)
    sql_lead(api, LONG)
    [mail] = [m for rep in DACH for m in api.mail_to(rep) if LONG in m["text"]]
    accept = re.search(r"http://\S+/rep/[^/\s]+/accept", mail["text"]).group(0)
    phone = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3, locale="en-GB"
    ).new_page()

    phone.goto(accept)
    fits_in_german(seen(phone, "accept"), "Diesen Lead annehmen?", "Lead annehmen", LONG)
    phone.click("#accept")
    phone.wait_for_load_state()
    fits_in_german(seen(phone, "accepted"), "Angenommen", "Rufen Sie jetzt an.")
    phone.click("text=Ergebnis nach dem Gespräch erfassen")
    phone.wait_for_load_state()
    fits_in_german(seen(phone, "outcome"), "Ergebnis erfassen", "Grund (verloren, disqualifiziert)")

    lead_id = api.lead(LONG)["lead_id"]
    before = requests.get(f"{api.url}/assignments/{lead_id}", headers=api.admin, timeout=10).json()
    phone.check('input[name="outcome"][value="disqualified"]')
    with phone.expect_response(lambda r: r.request.method == "POST") as posted:
        phone.click("#outcome")
    assert posted.value.status == 400
    phone.wait_for_load_state()
    fits_in_german(seen(phone, "refused"), "Nicht erledigt", "Grund: ist für das Ergebnis disqualified nötig")
    after = requests.get(f"{api.url}/assignments/{lead_id}", headers=api.admin, timeout=10).json()
    assert after == before and after["assignments"][0]["status"] == "accepted"
