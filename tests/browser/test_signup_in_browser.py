"""A person's path through the local stack in Debian's chromium: landing
page, HTML form, mailbox, confirm link, button, confirmed page. Each step's
screenshot is kept under test-artifacts/browser/."""

import uuid

import pytest

from tests.e2e.conftest import stack  # noqa: F401 (the module's stack fixture)

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def page(browser):
    return browser.new_page()


def test_signup_confirm_in_the_browser(stack, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    email = f"browser-{uuid.uuid4().hex[:8]}@example.com"

    def shot(step):
        page.screenshot(path=str(ARTIFACTS / f"{step}.png"), full_page=True)

    page.goto(f"{stack.landing}/")
    form = page.locator("#html-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=first_name]").fill("Berta")
    form.locator("input[name=consent]").check()
    shot("1-landing-filled")
    # a person takes longer than the form's min_fill_seconds (2) to fill it
    page.wait_for_timeout(2100)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{stack.landing}/thanks.html")
    shot("2-thanks")

    page.request.post(f"{stack.api}/_local/drain")
    page.goto(f"{stack.api}/_local/mailbox/?to={email}")
    message = page.locator("article.message")
    assert message.count() == 1
    shot("3-mailbox")

    page.frame_locator("article.message iframe.html").locator("a[href*='/confirm/']").first.click()
    page.wait_for_url(f"{stack.api}/confirm/*")
    shot("4-confirm-page")

    page.locator("form[method=post] button, form[method=post] input[type=submit]").first.click()
    page.wait_for_url(f"{stack.landing}/confirmed.html*")
    assert "bestätigt" in page.content()
    # the lead token left the address bar at once and stays in the browser
    assert "lead=" not in page.url and page.url.endswith("/confirmed.html")
    assert page.evaluate("localStorage.getItem('leadflow_lead')").count(".") == 2
    shot("5-confirmed")
