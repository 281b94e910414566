"""Unsubscribes and suppressions counted per day on the funnel's counter
items by the stream consumer, shown in the funnel report and on the console
overview, through the app on moto."""

import re

from chalicelib.consent.unsubscribe import ONE_CLICK_BODY

from .console_client import Console, text
from .test_console import console  # noqa: F401 (a fixture)
from .test_funnel import counter_items, funnel
from .test_suppression import deliver, record
from .test_unsubscribe import FORM, confirmed_lead, path


def opted_out(client, **query):
    return funnel(client, **query).json_body["opted_out"]


def test_an_unsubscribe_counts_once_even_when_its_stream_record_comes_twice(client, stream, mailbox, services, aws):
    ann = confirmed_lead(client, stream, mailbox)
    stream.pump()
    client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    records = stream.pump()
    assert opted_out(client) == {"unsubscribed": 1, "suppressed": 0}
    before = counter_items(aws)

    assert stream.deliver(records) == {"batchItemFailures": []}
    stream.pump()  # the marker's own MODIFY record, too
    assert counter_items(aws) == before
    assert opted_out(client) == {"unsubscribed": 1, "suppressed": 0}
    # under the lead's attribution, too, and never under another one
    assert opted_out(client, form="demo")["unsubscribed"] == 1
    assert opted_out(client, source="nowhere")["unsubscribed"] == 0
    assert ann["lead_id"] not in repr(counter_items(aws))


def test_a_hard_bounce_counts_once_even_when_its_stream_record_comes_twice(client, stream, mailbox, aws):
    ann = confirmed_lead(client, stream, mailbox)
    stream.pump()
    assert deliver(client, record("bounce-permanent", "m1")) == {"batchItemFailures": []}
    records = stream.pump()
    assert opted_out(client) == {"unsubscribed": 0, "suppressed": 1}
    before = counter_items(aws)

    assert stream.deliver(records) == {"batchItemFailures": []}
    stream.pump()
    # the same notification again marks nothing new, so counts nothing
    assert deliver(client, record("bounce-permanent", "m1")) == {"batchItemFailures": []}
    stream.pump()
    assert counter_items(aws) == before
    assert opted_out(client) == {"unsubscribed": 0, "suppressed": 1}
    assert ann["lead_id"] not in repr(counter_items(aws))


def test_the_counts_are_read_from_the_funnels_day_items_only(client, stream, mailbox, services, clock):
    ann = confirmed_lead(client, stream, mailbox)
    stream.pump()
    clock.advance(86400)
    client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    stream.pump()
    report = funnel(client, **{"from": "2026-11-01", "to": "2026-11-30"}).json_body
    # the signup's day and the unsubscribe's day: one counter item each
    assert report["opted_out"]["unsubscribed"] == 1 and report["counter_items_read"] == 2
    # counted on the day it happened, not the signup's
    assert opted_out(client)["unsubscribed"] == 0


def test_the_overview_shows_unsubscribed_and_suppressed_in_both_languages(client, console, stream, mailbox, services):
    ann = confirmed_lead(client, stream, mailbox)
    stream.pump()
    client.http.post(path(services, ann["lead_id"]), headers=FORM, body=ONE_CLICK_BODY)
    stream.pump()
    counts = re.search(r'<dl class="facts" id="mail-counts">.*?</dl>', text(console.get("/console/overview")), re.S)
    assert '<dt>Unsubscribed</dt><dd id="unsubscribed-count">1</dd>' in counts.group(0)
    assert '<dt>Suppressed (hard bounce, complaint)</dt><dd id="suppressed-count">0</dd>' in counts.group(0)

    browser = Console(client, headers={"Accept-Language": "de-DE,de;q=0.9"})
    browser.sign_in()
    german = text(browser.get("/console/overview"))
    assert '<dt>Abgemeldet</dt><dd id="unsubscribed-count">1</dd>' in german
    assert '<dt>Gesperrt (harter Bounce, Beschwerde)</dt><dd id="suppressed-count">0</dd>' in german
