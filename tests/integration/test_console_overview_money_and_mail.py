"""The console's overview beside the funnel: the return per channel from the
revenue report service, and the sending state from the deliverability
report (what is paused, the figures, the admin's resume behind CSRF), on moto."""

from __future__ import annotations

import re

from chalicelib.secrets import Secrets, hash_admin_token
from tests.conftest import TEST_ENV

from .conftest import stored_items
from .console_client import Console, csrf_of, text
from .test_console import console, lead_page  # noqa: F401 (a fixture)
from .test_console_accessibility import outline
from .test_revenue import set_spend
from .test_routing_flow import put_rep, queue, sql_lead  # noqa: F401 (the queue fixture)
from .test_sending_guard import rules, ses, signups  # noqa: F401 (the ses fixture)

HOSTILE_SOURCE = "<b>news</b>"


def roi_rows(html: str) -> dict[str, list[str]]:
    """Each ROI row by its first cell, the cells as text."""
    table = re.search(r'<table id="roi-table"[^>]*>.*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr data-channel=\"\w+\">(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows[cells[0]] = cells[1:]
    return rows


def test_a_won_deal_shows_in_the_roi_table_per_source_and_campaign_with_the_campaigns_spend(
    client, console, stream, mailbox, queue
):
    put_rep(client, "ada")
    lead_id = sql_lead(client, stream, mailbox, "won@acme.example", utm_source=HOSTILE_SOURCE, utm_campaign="spring")
    queue.pump()
    csrf = csrf_of(lead_page(console, lead_id))
    assert console.post(f"/console/assignments/{lead_id}/accept", csrf=csrf).status_code == 303
    set_spend(client, "spring", 600)
    won = {"outcome": "won", "value": "1200", "currency": "EUR"}
    assert console.post(f"/console/leads/{lead_id}/outcome", won, csrf=csrf).status_code == 303
    stream.pump()  # the revenue counters
    html = text(console.get("/console/overview"))
    assert HOSTILE_SOURCE not in html and "&lt;b&gt;news&lt;/b&gt;" in html
    rows = roi_rows(html)
    # currency, revenue, customers, spend, ROI, CPL to CLV
    assert rows["Campaign: spring"][:5] == ["EUR", "1200.0", "1", "600.0", "100.0 %"]
    assert rows["Source: &lt;b&gt;news&lt;/b&gt;"][:5] == ["EUR", "1200.0", "1", "–", "–"]
    assert rows["All channels"][:4] == ["EUR", "1200.0", "1", "600.0"]
    found = outline(html)
    assert found.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(found.headings, found.headings[1:], strict=False)), found.headings
    german = text(console.get("/console/overview?lang=de"))
    assert "Rendite pro Kanal" in german and "Kampagne: spring" in german


def test_without_a_deal_the_overview_says_so_instead_of_an_empty_table(console):
    html = text(console.get("/console/overview"))
    assert 'id="roi-table"' not in html and "No deal with a value in this range yet." in html
    assert 'id="sending-ok"' in html


def paused_by_bounces(client, stream, services, ses):
    rules(services, min_volume=5, pause_bounce_rate=0.2)
    signups(client, stream, [f"ann{n}@acme.example" for n in range(4)])
    signups(client, stream, [f"bounce+{n}@simulator.amazonses.com" for n in range(3)])
    assert ses.simulate() == 3
    assert set(services.sending_guard.paused()) == {"all"}


def test_the_overview_shows_the_pause_with_its_figures_and_the_mail_counts(client, console, stream, services, ses):
    paused_by_bounces(client, stream, services, ses)
    html = text(console.get("/console/overview"))
    pause = re.search(r'<div class="paused" data-scope="all".*?</div>', html, re.S).group(0)
    # the pause keeps the figures it tripped on (the second bounce); the counts go on
    assert "bounce rate 28.57% &gt;= 20.00%" in pause and "Hard bounces 2" in pause and "Sends 7" in pause
    assert 'action="/console/sending/resume"' in pause and '<label for="resume-reason-1">' in pause
    counts = re.search(r'<dl class="facts" id="mail-counts">.*?</dl>', html, re.S).group(0)
    assert "<dt>Hard bounces</dt><dd>3</dd>" in counts and "<dt>Sends</dt><dd>7</dd>" in counts
    assert "Unsubscribed and suppressed count leads, once each, on the day it happened" in html
    found = outline(html)
    assert found.controls and all(c.get("id") in found.label_for for c in found.controls)

    stream.pump()  # the bounced leads' suppression reaches the counters
    counts = re.search(r'<dl class="facts" id="mail-counts">.*?</dl>', text(console.get("/console/overview")), re.S)
    assert '<dt>Suppressed (hard bounce, complaint)</dt><dd id="suppressed-count">3</dd>' in counts.group(0)
    assert '<dt>Unsubscribed</dt><dd id="unsubscribed-count">0</dd>' in counts.group(0)


def test_resuming_from_the_console_needs_the_csrf_token_and_a_reason_then_resumes(
    client, console, stream, services, ses, aws
):
    paused_by_bounces(client, stream, services, ses)
    csrf = csrf_of(console.get("/console/overview?lang=de"))
    before = stored_items(aws)
    forged = console.post("/console/sending/resume", {"scope": "all", "reason": "cleaned"})
    assert forged.status_code == 403 and stored_items(aws) == before
    empty = console.post("/console/sending/resume", {"scope": "all", "reason": " "}, csrf=csrf)
    assert empty.status_code == 400 and "sagen Sie warum" in text(empty) and stored_items(aws) == before
    unknown = console.post("/console/sending/resume", {"scope": "sequence:nope", "reason": "x"}, csrf=csrf)
    assert unknown.status_code == 400 and stored_items(aws) == before
    done = console.post("/console/sending/resume", {"scope": "all", "reason": "list <cleaned>"}, csrf=csrf)
    assert done.status_code == 303 and services.sending_guard.paused() == {}
    assert 'id="sending-ok"' in text(console.get("/console/overview"))
    again = console.post("/console/sending/resume", {"scope": "all", "reason": "twice"}, csrf=csrf)
    assert again.status_code == 409


def test_a_reporting_token_sees_the_pause_but_may_not_resume(client, stream, services, ses):
    paused_by_bounces(client, stream, services, ses)
    services.secrets = Secrets.from_env(
        {**TEST_ENV, "LEADFLOW_ADMIN_TOKENS": f"analyst:reporting:{hash_admin_token('reports-only')}"}
    )
    analyst = Console(client)
    assert analyst.sign_in("reports-only").status_code == 303
    html = text(analyst.get("/console/overview"))
    assert 'data-scope="all"' in html and "/console/sending/resume" not in html
    answer = analyst.post(
        "/console/sending/resume", {"scope": "all", "reason": "mine"}, csrf=csrf_of(analyst.get("/console/overview"))
    )
    assert answer.status_code == 403 and set(services.sending_guard.paused()) == {"all"}
