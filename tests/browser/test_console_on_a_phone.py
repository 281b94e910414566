"""Every console page in Debian's chromium as a 390x844 phone, filled with the
values that stretch a page: a lead with a long address, company and UTM
values, long page URLs and notes among many activities, a long rep address,
an import with long column names and refused rows. No page may scroll
sideways. Screenshots go under test-artifacts/browser/console-phone-*.png."""

import time
import uuid

import pytest
import requests

from tests.e2e.conftest import Api, stack  # noqa: F401 (the module's stack fixture)

from .conftest import ARTIFACTS
from .test_console_in_browser import GOOD_FIT, PHONE, confirmed, my_leads_link

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# values with nowhere to break a line, each longer than a phone is wide
UNBROKEN = "Unbreakable" * 9
LONG_URL = "https://www.leadflow.example/" + "pricing-and-plans-" * 8 + "?utm_campaign=" + "x" * 80
# what the page shows about its widest elements when it does not fit
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .map(e => [e, Math.round(e.getBoundingClientRect().left + Math.max(e.getBoundingClientRect().width, e.scrollWidth))])
    .filter(([e, right]) => right > document.documentElement.clientWidth && !e.closest('.scroll, input, textarea'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([e, right]) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + right)"""


def long_address() -> str:
    # a 64-octet local part (RFC 5321's cap) at a long domain, unique per run
    local = (uuid.uuid4().hex + "-" + "x" * 64)[:64]
    return f"{local}@{'sales-and-marketing-department' * 2}.leadflow-enterprise-customers.example"


def finished_import(api: Api) -> str:
    started = requests.post(
        f"{api.url}/imports", headers=api.admin, json={"form_id": "demo", "consent_mode": "double_opt_in"}, timeout=10
    )
    assert started.status_code == 201, started.text
    body = started.json()
    data = f"E-Mail;Vorname;{UNBROKEN}\n{long_address()};Änne;x\nkaputt-{UNBROKEN};X;y\n".encode()
    assert requests.put(body["upload_url"], data=data, timeout=10).status_code == 200
    for _ in range(300):
        api.drain()
        status = requests.get(f"{api.url}/imports/{body['import_id']}", headers=api.admin, timeout=10).json()
        if status["status"] in ("done", "failed"):
            return body["import_id"]
        time.sleep(0.1)
    raise AssertionError(f"import {body['import_id']} did not finish: {status}")


@pytest.fixture
def crowded(stack):
    """A stretched lead (an SQL offered to a rep), a second lead, and an import."""
    api = Api(stack)
    email = long_address()
    utm = {f"utm_{key}": f"{key}-{UNBROKEN}" for key in ("source", "medium", "campaign", "term", "content")}
    profile = {**GOOD_FIT, "company": f"Acme-{UNBROKEN}", "job_title": f"Head of Sales {UNBROKEN}"}
    token = confirmed(api, email, first_name="Dora", last_name=UNBROKEN, referrer=LONG_URL, **profile, **utm)
    for n in range(12):
        viewed = {"lead": token, "type": "page_view", "url": f"{LONG_URL}&page={n}"}
        assert requests.post(f"{api.url}/events", json=viewed, timeout=10).ok
    lead_id = api.lead(email)["lead_id"]
    for n in range(6):
        note = {"type": "webinar_attended", "data": {"note": f"{n}: {UNBROKEN}", "webinar": UNBROKEN}}
        answer = requests.post(f"{api.url}/leads/{lead_id}/activities", headers=api.admin, json=note, timeout=10)
        assert answer.status_code in (200, 201), answer.text
    assert requests.post(f"{api.url}/events", json={"lead": token, "type": "demo_request"}, timeout=10).ok
    api.drain()
    confirmed(api, f"cold-{uuid.uuid4().hex[:8]}@example.com", first_name="Carl")
    return api, email, lead_id, finished_import(api)


def fits(page, name: str, shown: str = "") -> None:
    """The page shows `shown` (a stretching value) and does not scroll sideways."""
    assert shown in page.locator("main").inner_text(), name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-phone-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (name, width, page.evaluate(OVERFLOWING))


def test_every_console_page_fits_a_390_px_phone_in_both_languages(stack, browser, crowded):
    api, email, lead_id, import_id = crowded
    [offer] = requests.get(f"{api.url}/assignments/{lead_id}", headers=api.admin, timeout=10).json()["assignments"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()

    page.goto(f"{stack.api}/console/login")
    fits(page, "login")
    page.fill("#token", "leadflow-local-admin")
    page.click("#sign-in")
    page.wait_for_url(f"{stack.api}/console/overview")

    pages = {
        "overview": ("/console/overview", ""),
        "leads": ("/console/leads?stage=sql", f"Acme-{UNBROKEN}"),
        "lead": (f"/console/leads/{lead_id}", f"0: {UNBROKEN}"),
        "assignments": ("/console/assignments", ""),
        "reps": ("/console/reps", lead_id),
        "rep": (f"/console/reps/{offer['rep_id']}", ""),
        "playbook": ("/console/playbook", ""),
        "imports": ("/console/imports", ""),
        "import": (f"/console/imports/{import_id}", UNBROKEN),
    }
    for lang in ("en", "de"):
        for name, (path, shown) in pages.items():
            joined = "&" if "?" in path else "?"
            assert page.goto(f"{stack.api}{path}{joined}lang={lang}").status == 200, path
            assert page.evaluate("document.documentElement.lang") == lang, path
            fits(page, f"{name}-{lang}", shown)
    # the lead page held the long name, address and many activities
    page.goto(f"{stack.api}/console/leads/{lead_id}")
    assert UNBROKEN in page.locator("h1").inner_text() and email in page.locator("main").inner_text()
    assert page.locator("ol.timeline li").count() >= 18
    context.close()

    rep = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    mine = rep.new_page()
    assert mine.goto(my_leads_link(api)).status == 200
    assert mine.locator(f"section.held[data-lead='{lead_id}']").count() == 1
    fits(mine, "my-leads", email)
    rep.close()
