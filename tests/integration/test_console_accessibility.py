"""Accessibility of every console page: the document's language, one h1 and
no skipped heading levels, a label for every control, names for charts and
tables, and the palette's contrast (WCAG 2.1 AA, 4.5:1 for text)."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.analytics.svg import COLOURS, LIGHT_TEXT_BARS
from chalicelib.wiring import services as current

from .console_client import Console, text
from .test_routing_flow import put_rep
from .test_scoring_flow import GOOD_FIT, confirmed_lead

CSS = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "console" / "static" / "console.css"


class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = None
        self.headings: list[int] = []
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.images: list[dict] = []
        self.svg_titles = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append({**attrs, "wrapped": self.open_labels > 0, "tag": tag})
        elif tag == "svg":
            self.images.append(attrs)
        elif tag == "title" and self.images:
            self.svg_titles += 1

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


@pytest.fixture
def pages(client, stream, mailbox):
    put_rep(client, "ada")
    lead_id, _ = confirmed_lead(client, stream, mailbox, first_name="Ann", **GOOD_FIT)
    browser = Console(client)
    shown = {"/console/login": text(browser.get("/console/login"))}
    browser.sign_in()
    for path in (
        "/console/overview",
        "/console/leads",
        f"/console/leads/{lead_id}",
        "/console/assignments",
        "/console/reps",
        "/console/reps/ada",
        "/console/playbook",
        "/console/imports",
        "/console/nothing",
    ):
        shown[path] = text(browser.get(path))
    shown["/console/overview?lang=de"] = text(browser.get("/console/overview?lang=de"))
    built = current()
    link = built.router.my_leads_link("ada", built.clock.now() + timedelta(days=1))
    shown["/console/rep/..."] = text(Console(client).get(link.split("api.leadflow.test", 1)[1]))
    return shown


def test_every_page_has_a_language_one_h1_and_no_skipped_heading_level(pages):
    for path, html in pages.items():
        found = outline(html)
        assert found.lang == ("de" if "lang=de" in path else "en"), path
        assert found.headings.count(1) == 1 and found.headings[0] == 1, path
        assert all(b - a <= 1 for a, b in zip(found.headings, found.headings[1:], strict=False)), (path, found.headings)


def test_every_control_has_a_label(pages):
    for path, html in pages.items():
        found = outline(html)
        for control in found.controls:
            labelled = control["wrapped"] or control.get("id") in found.label_for or control.get("aria-label")
            assert labelled, (path, control)


def test_every_chart_is_an_image_with_a_name(pages):
    for path, html in pages.items():
        found = outline(html)
        for chart in found.images:
            assert chart.get("role") == "img" and chart.get("aria-labelledby"), path
        assert found.svg_titles >= len(found.images), path


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def palette() -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", CSS.read_text()))


@pytest.mark.parametrize(
    "text_colour,background",
    [
        ("text", "background"),
        ("text", "panel"),
        ("muted", "background"),
        ("link", "background"),
        ("link", "panel"),
        ("button-text", "button"),
        ("danger-text", "danger"),
        ("error", "background"),
    ],
)
def test_the_palette_keeps_text_at_4_5_to_1(text_colour, background):
    colours = palette()
    assert contrast(colours[text_colour], colours[background]) >= 4.5, (text_colour, background)


def test_the_funnels_labels_contrast_with_their_bars():
    for index, bar in enumerate(COLOURS):
        label = "#fff" if index < LIGHT_TEXT_BARS else "#0f172a"
        assert contrast(label, bar) >= 4.5, (index, bar, label)


def test_the_contrast_formula_matches_wcags_reference_values():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777", "#fff"), 2) == 4.48
