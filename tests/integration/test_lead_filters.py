"""The lead list filtered by source and campaign (the lead's utm_source and
utm_campaign) from one index page per request, and its last-activity column."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from chalicelib.clock import iso

from .conftest import ADMIN
from .console_client import text
from .test_console import console, items_read  # noqa: F401 (fixtures)
from .test_scoring_flow import confirmed_lead, send_event


def rows(html: str) -> list[str]:
    """The e-mail addresses the list's table shows, in order."""
    return re.findall(r"[\w.]+@acme\.example", html.split("<tbody>", 1)[-1])


def signup(client, stream, mailbox, name, source, campaign):
    return confirmed_lead(
        client, stream, mailbox, email=f"{name}@acme.example", utm_source=source, utm_campaign=campaign
    )


def test_the_console_list_shows_only_the_leads_of_the_source_or_campaign(client, console, stream, mailbox):
    signup(client, stream, mailbox, "ann", "linkedin", "spring")
    signup(client, stream, mailbox, "bob", "google", "spring")
    signup(client, stream, mailbox, "cy", "linkedin", "autumn")
    assert sorted(rows(text(console.get("/console/leads?stage=lead&source=linkedin")))) == [
        "ann@acme.example",
        "cy@acme.example",
    ]
    assert sorted(rows(text(console.get("/console/leads?stage=lead&campaign=spring")))) == [
        "ann@acme.example",
        "bob@acme.example",
    ]
    both = text(console.get("/console/leads?stage=lead&source=linkedin&campaign=autumn"))
    assert rows(both) == ["cy@acme.example"] and 'value="linkedin"' in both and 'value="autumn"' in both
    assert rows(text(console.get("/console/leads?stage=lead&source=twitter"))) == []
    assert len(rows(text(console.get("/console/leads?stage=lead")))) == 3


def test_filtered_paging_continues_across_sparse_pages(client, console, stream, mailbox):
    sources = ["linkedin", "google", "google", "google", "linkedin", "google", "linkedin"]
    for n, source in enumerate(sources):
        signup(client, stream, mailbox, f"p{n}", source, "spring")
    seen, sizes, path = [], [], "/console/leads?stage=lead&source=linkedin&limit=2"
    while path:
        html = text(console.get(path))
        sizes.append(len(rows(html)))
        seen += rows(html)
        more = re.search(r'href="(/console/leads\?[^"]+)" rel="next"', html)
        path = more.group(1).replace("&amp;", "&") if more else None
        assert len(sizes) <= len(sources), "the cursor must end"
    assert sorted(seen) == ["p0@acme.example", "p4@acme.example", "p6@acme.example"]
    # a page holds what matched within the one index page it read: 3 matches
    # over 4 pages of 2 index items leave some page short
    assert max(sizes) <= 2 and min(sizes) < 2


@pytest.mark.parametrize(
    "query",
    ["source=" + "x" * 101, "campaign=" + "x" * 101, "source=" + quote("a\x01b"), "temperature=tepid"],
)
def test_a_bad_filter_is_a_400_in_the_console_and_the_json_api(client, console, query):
    assert console.get(f"/console/leads?stage=lead&{query}").status_code == 400
    answer = client.http.get(f"/leads?stage=lead&{query}", headers=ADMIN)
    assert answer.status_code == 400 and answer.json_body["errors"]


def test_the_json_list_filters_by_source_and_campaign_and_names_them(client, stream, mailbox):
    signup(client, stream, mailbox, "ann", "linkedin", "spring")
    signup(client, stream, mailbox, "bob", "google", "spring")
    found = client.http.get("/leads?stage=lead&source=linkedin&campaign=spring", headers=ADMIN).json_body
    assert [lead["email"] for lead in found["leads"]] == ["ann@acme.example"]
    assert found["leads"][0]["attribution"] == {"utm_source": "linkedin", "utm_campaign": "spring"}
    # filters belong to the list by score
    assert client.http.get("/leads?stage=lead&source=linkedin&sort=probability", headers=ADMIN).status_code == 400


def test_the_list_shows_each_leads_last_activity_not_its_last_change(client, console, stream, mailbox, clock):
    _, token = signup(client, stream, mailbox, "ann", "linkedin", "spring")
    signup(client, stream, mailbox, "bob", "google", "spring")
    clock.advance(3600)
    assert send_event(client, token, type="page_view", url="https://acme.example/pricing").status_code == 202
    stream.pump()
    html = text(console.get("/console/leads?stage=lead"))
    assert '<th scope="col">Last activity</th>' in html
    ann_row = next(r for r in html.split("<tr>") if "ann@acme.example" in r)
    assert f"<td>{iso(clock.now())}</td>" in ann_row
    listed = client.http.get("/leads?stage=lead&source=linkedin", headers=ADMIN).json_body["leads"][0]
    assert listed["last_activity_at"] == iso(clock.now()) != listed["updated_at"]


def test_a_filtered_page_reads_one_index_page(client, console, stream, mailbox, items_read):
    for n in range(6):
        signup(client, stream, mailbox, f"r{n}", "linkedin" if n == 5 else "google", "spring")
    items_read.items = 0
    html = text(console.get("/console/leads?stage=lead&source=linkedin&limit=3"))
    # the session item and one index page of 3, whatever the filter kept
    assert items_read.items == 1 + 3 and set(rows(html)) <= {"r5@acme.example"}
