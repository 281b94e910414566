"""The demo landing, thanks and confirmed pages in Debian's chromium as a
390x844 phone: each has a viewport meta tag, fits the screen (no horizontal
scroll) and speaks one language, the form's (German). Screenshots are kept
under test-artifacts/browser/."""

import re

import pytest

from tests.e2e.conftest import stack  # noqa: F401 (the module's stack fixture)

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
# words an English sentence can hardly do without, and the English the pages used to show
ENGLISH = re.compile(r"\b(the|and|to|of|with|on|its|back|page|form|request|failed|local mailbox|plain)\b", re.I)


@pytest.fixture
def phone(browser):
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3).new_page()


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
