"""The demo landing, thanks and confirmed pages in Debian's chromium as a
390x844 phone: each has a viewport meta tag, fits the screen (no horizontal
scroll) and speaks one language, the form's (German). Screenshots are kept
under test-artifacts/browser/."""

import os
import re
import shutil

import pytest

from tests.browser.test_signup_in_browser import ARTIFACTS, CHROMIUM, FLAGS
from tests.e2e.conftest import stack  # noqa: F401 (the module's stack fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
# words an English sentence can hardly do without, and the English the pages used to show
ENGLISH = re.compile(r"\b(the|and|to|of|with|on|its|back|page|form|request|failed|local mailbox|plain)\b", re.I)


@pytest.fixture
def phone():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = FLAGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
            yield context.new_page()
        finally:
            browser.close()


@pytest.mark.parametrize("path", ["/", "/thanks.html", "/confirmed.html"])
def test_the_demo_page_fits_a_phone_and_speaks_only_german(stack, phone, path):
    phone.goto(f"{stack.landing}{path}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"phone-{path.strip('/') or 'landing'}.png"), full_page=True)
    seen = phone.evaluate(
        """() => ({
            viewport: document.querySelector('meta[name="viewport"]')?.content ?? null,
            scroll_width: document.documentElement.scrollWidth,
            lang: document.documentElement.lang,
            shown: document.title + "\\n" + document.body.innerText,
        })"""
    )
    assert seen["viewport"] == "width=device-width, initial-scale=1", seen
    assert seen["scroll_width"] <= PHONE["width"], seen
    assert seen["lang"] == "de" and not ENGLISH.findall(seen["shown"]), seen
