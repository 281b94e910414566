"""The console on the local stack in Debian's chromium, on a 390 px phone:
sign in, the funnel, the lead list's filter, a lead's score explanation and
consent, a rep accepting from the "my leads" link in their mail, a forged post, a
refused deal value, a won outcome with its value that moves the stage and
shows in the overview's ROI table, signing out, and a browser without a
session. Screenshots go under test-artifacts/browser/console-*.png."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.e2e.conftest import Api, stack  # noqa: F401 (the module's stack fixture)
from tests.e2e.test_local_stack import address, confirm_link

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
GOOD_FIT = {"company_size": "51-200", "industry": "software", "country": "DE", "job_title": "Head of Sales"}
DACH = ("anna.schmidt@sales.leadflow.example", "jonas.weber@sales.leadflow.example")


def confirmed(api: Api, email: str, **profile) -> str:
    """Submit and confirm; returns the signed lead token."""
    assert api.submit(email, **profile).status_code == 202
    api.drain()
    answer = requests.post(confirm_link(api.mail_to(email)[0]), allow_redirects=False, timeout=10)
    api.drain()
    return parse_qs(urlsplit(answer.headers["Location"]).query)["lead"][0]


def my_leads_link(api: Api) -> str:
    mails = [m for rep in DACH for m in api.mail_to(rep) if "Dora" in m["subject"]]
    return re.search(r"http://\S+/console/rep/[A-Za-z0-9_.-]+", mails[-1]["text"]).group(0)


@pytest.fixture
def sql(stack):
    api = Api(stack)
    email = address("dora")
    token = confirmed(api, email, first_name="Dora", last_name="<script>x</script>", company="Acme", **GOOD_FIT)
    assert requests.post(f"{api.url}/events", json={"lead": token, "type": "demo_request"}, timeout=10).ok
    api.drain()
    confirmed(api, address("cold"), first_name="Carl")
    return api, email, api.lead(email)["lead_id"]


def test_the_console_in_the_browser(stack, browser, sql):
    api, email, lead_id = sql
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert f"Console       {stack.api}/console/" in stack.output()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()

    def shot(step, on=page):
        on.screenshot(path=str(ARTIFACTS / f"console-{step}.png"), full_page=True)

    # sign in
    page.goto(f"{stack.api}/console/overview")
    page.wait_for_url(f"{stack.api}/console/login")
    page.fill("#token", "leadflow-local-admin")
    shot("1-login")
    page.click("#sign-in")
    page.wait_for_url(f"{stack.api}/console/overview")
    cookie = next(c for c in context.cookies() if c["name"] == "lf_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # http loopback

    # the overview shows the funnel, and the page fits the phone
    assert page.locator("svg#funnel g.stage").count() == 6
    assert page.locator("svg#funnel g.stage[data-stage=sql] text").first.text_content() == "sql: 1"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot("2-overview")

    # filter the lead list
    page.click("nav >> text=Leads")
    page.select_option("#stage", "sql")
    page.click("#filter button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/leads\?stage=sql.*"))
    rows = page.locator("table.leads tbody tr")
    assert rows.count() == 1 and "Dora" in rows.first.inner_text()
    assert "<script>x</script>" in rows.first.inner_text()  # shown as text, never run
    shot("3-leads-filtered")

    # a lead's score explanation and consent
    rows.first.locator("a").click()
    page.wait_for_url(f"{stack.api}/console/leads/{lead_id}")
    assert page.locator("#score table.breakdown tbody tr").count() >= 3
    assert page.locator("#score svg g.rule").count() == page.locator("#score table.breakdown tbody tr").count()
    consent = api.lead(email)["consents"][0]
    evidence = page.locator("#consent").inner_text()
    assert consent["consent_version"] in evidence and consent["given_at"] in evidence and consent["ip"] in evidence
    shot("4-lead")

    # the rep opens "my leads" from the link in their mail, without a session, and accepts
    rep = browser.new_context(viewport=PHONE)
    rep_page = rep.new_page()
    rep_page.goto(my_leads_link(api))
    held = rep_page.locator(f"section.held[data-lead='{lead_id}']")
    assert held.locator(".status").inner_text() == "offered"
    shot("5-rep-my-leads", rep_page)
    held.locator("button.accept").click()
    rep_page.wait_for_load_state()
    assert rep_page.locator(f"section.held[data-lead='{lead_id}'] .status").inner_text() == "accepted"
    shot("6-rep-accepted", rep_page)
    rep.close()

    # a forged post without the CSRF token (the session's cookie rides along) changes nothing
    forged = page.request.post(
        f"{stack.api}/console/leads/{lead_id}/profile", form={"profile.company": "Forged"}, max_redirects=0
    )
    assert forged.status == 403
    assert api.lead(email)["profile"]["company"] == "Acme"

    # a refused deal value shows why and changes nothing
    page.reload()
    page.select_option("#outcome", "won")
    page.fill("#outcome-value", "12.345")
    page.fill("#outcome-currency", "EUR")
    page.click("#outcome-form button[type=submit]")
    assert "at most 2 decimals" in page.locator("ul.errors").inner_text()
    shot("7-outcome-refused")

    # record a won outcome with its value, see the stage change and the deal in the ROI table
    page.goto(f"{stack.api}/console/leads/{lead_id}")
    page.select_option("#outcome", "won")
    page.fill("#outcome-value", "1200")
    page.fill("#outcome-currency", "EUR")
    shot("8-outcome-with-value")
    page.click("#outcome-form button[type=submit]")
    page.wait_for_url(f"{stack.api}/console/leads/{lead_id}")
    assert page.locator("#stage strong").inner_text() == "customer"
    api.drain()  # the stream counts the deal for the revenue report
    page.goto(f"{stack.api}/console/overview")
    total = page.locator("#roi-table tr[data-channel=total]").inner_text().split("\t")
    assert total[:4] == ["All channels", "EUR", "1200.0", "1"], total
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#roi").scroll_into_view_if_needed()
    shot("9-overview-roi")

    # sign out: the page's session cookie no longer opens anything
    page.click("#logout")
    page.wait_for_url(f"{stack.api}/console/login")
    page.goto(f"{stack.api}/console/leads")
    page.wait_for_url(f"{stack.api}/console/login")
    shot("10-signed-out")
    context.close()

    # a second browser without a session is sent to sign in
    stranger = browser.new_context(viewport={"width": 1280, "height": 800})
    other = stranger.new_page()
    other.goto(f"{stack.api}/console/leads/{lead_id}")
    other.wait_for_url(f"{stack.api}/console/login")
    shot("11-no-session-desktop", other)
    stranger.close()
