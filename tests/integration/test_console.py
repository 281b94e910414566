"""The console in process on moto: sign-in and sessions, CSRF, headers,
language, scopes, escaping, 404 pages, the lead page's actions and what each
page costs in DynamoDB items read."""

from __future__ import annotations

import re
from datetime import timedelta

import botocore.client
import pytest

from chalicelib.secrets import Secrets, hash_admin_token
from chalicelib.storage.models import lead_pk
from tests.conftest import TEST_ENV

from .conftest import ADMIN, stored_items
from .console_client import Console, csrf_of, set_cookies, text
from .test_routing_flow import put_rep, queue, sql_lead  # noqa: F401 (the queue fixture)
from .test_scoring_flow import GOOD_FIT, confirmed_lead

PAGES = ("/console/overview", "/console/leads", "/console/assignments", "/console/reps", "/console/playbook")


@pytest.fixture
def console(client):
    browser = Console(client)
    assert browser.sign_in().status_code == 303
    return browser


def session_items(aws):
    return [i for i in stored_items(aws) if i["pk"]["S"].startswith("SESSION#")]


# --- sign-in and sessions ------------------------------------------------------------
def test_signing_in_sets_a_signed_expiring_httponly_strict_secure_cookie_and_stores_no_token(client, aws):
    browser = Console(client)
    answer = browser.sign_in()
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/overview"
    [cookie] = set_cookies(answer)
    assert cookie.startswith("lf_session=k1.")
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
    assert {"HttpOnly", "SameSite", "Secure", "Max-Age", "Path"} <= attributes
    assert "SameSite=Strict" in cookie and "Max-Age=28800" in cookie
    [stored] = session_items(aws)
    assert "test-admin-token" not in str(stored) and stored["token_hash"]["S"] == hash_admin_token("test-admin-token")
    assert browser.get("/console/overview").status_code == 200


def test_the_cookie_is_secure_everywhere_but_plain_http_loopback():
    from chalicelib.web.console.session import secure_cookies

    assert not secure_cookies("http://127.0.0.1:8000") and not secure_cookies("http://localhost:8000")
    assert secure_cookies("https://api.leadflow.test") and secure_cookies("http://leadflow.example")
    assert secure_cookies("https://127.0.0.1:8000")


def test_without_a_session_every_page_goes_to_sign_in(client):
    browser = Console(client)
    for path in PAGES + ("/console/leads/whoever",):
        answer = browser.get(path)
        assert (answer.status_code, answer.headers["Location"]) == (303, "/console/login"), path


def test_a_forged_or_expired_session_cookie_goes_back_to_sign_in(client, console, clock):
    forged = Console(client)
    forged.cookies["lf_session"] = console.cookies["lf_session"][:-3] + "abc"
    assert forged.get("/console/leads").status_code == 303
    clock.advance(8 * 3600 + 1)
    assert console.get("/console/leads").headers["Location"] == "/console/login"


def test_signing_out_ends_the_session_even_for_a_copy_of_the_cookie(client, console, aws):
    copy = Console(client)
    copy.cookies = dict(console.cookies)
    page = console.get("/console/overview")
    answer = console.post("/console/logout", csrf=csrf_of(page))
    assert answer.status_code == 303 and "lf_session=;" in set_cookies(answer)[0]
    assert session_items(aws) == []
    assert copy.get("/console/overview").headers["Location"] == "/console/login"


def test_an_unknown_token_or_a_sign_in_without_its_form_token_gets_no_session(client, aws):
    browser = Console(client)
    refused = browser.sign_in("not-a-token")
    assert refused.status_code == 401 and "lf_session" not in browser.cookies
    forged = Console(client).post("/console/login", {"token": "test-admin-token"}, csrf="k1.e30.x")
    assert forged.status_code == 403 and not set_cookies(forged)[1:]
    # a form token from another browser does not fit this browser's nonce
    other = csrf_of(Console(client).get("/console/login"))
    stranger = Console(client)
    stranger.get("/console/login")
    assert stranger.post("/console/login", {"token": "test-admin-token"}, csrf=other).status_code == 403
    assert session_items(aws) == []


def test_a_token_taken_out_of_the_configuration_ends_its_sessions(console, services):
    services.secrets = Secrets.from_env({**TEST_ENV, "LEADFLOW_ADMIN_TOKEN": "another-token"})
    assert console.get("/console/overview").headers["Location"] == "/console/login"


# --- CSRF, headers, language, scopes ---------------------------------------------------
def test_a_post_without_the_sessions_csrf_token_gets_403_and_changes_nothing(client, console, stream, mailbox, aws):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example")
    before = stored_items(aws)
    other = Console(client)
    other.sign_in()
    others_token = csrf_of(other.get("/console/overview"))
    for csrf in (None, "", "k1.e30.x", others_token):
        answer = console.post(f"/console/leads/{lead_id}/profile", {"profile.company": "Forged"}, csrf=csrf)
        assert answer.status_code == 403, csrf
        assert "Nothing was changed" in text(answer)
    erase = console.post(f"/console/leads/{lead_id}/erase", {"confirm": "ann@acme.example"})
    assert erase.status_code == 403
    sessions = [i for i in stored_items(aws) if i["pk"]["S"].startswith("SESSION#")]
    assert [i for i in stored_items(aws) if i not in sessions] == [i for i in before if i not in sessions]


def test_pages_send_a_strict_policy_and_no_inline_script(console):
    for path in PAGES + ("/console/login",):
        answer = console.get(path)
        assert answer.status_code == 200, path
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "script-src" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert "<script" not in text(answer).lower() and " style=" not in text(answer)


def test_the_language_follows_accept_language_until_the_user_chooses_and_then_stays(client):
    browser = Console(client, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    page = browser.get("/console/login")
    assert '<html lang="de">' in text(page) and "Anmelden" in text(page)
    chosen = browser.get("/console/login?lang=en")
    assert '<html lang="en">' in text(chosen)
    assert any(c.startswith("lf_lang=en;") and "SameSite=Strict" in c for c in set_cookies(chosen))
    again = browser.get("/console/login")
    assert '<html lang="en">' in text(again) and "Sign in" in text(again)


def test_a_reporting_token_opens_the_overview_only(client, services):
    services.secrets = Secrets.from_env(
        {**TEST_ENV, "LEADFLOW_ADMIN_TOKENS": f"analyst:reporting:{hash_admin_token('reports-only')}"}
    )
    browser = Console(client)
    assert browser.sign_in("reports-only").status_code == 303
    overview = browser.get("/console/overview")
    assert overview.status_code == 200 and 'href="/console/leads"' not in text(overview)
    assert "SQLs waiting" not in text(overview)
    for path in PAGES[1:] + ("/console/leads/anyone",):
        assert browser.get(path).status_code == 403, path


# --- escaping and unknown ids -----------------------------------------------------------------
HOSTILE = {"first_name": "<script>alert(1)</script>", "company": '"><img src=x onerror=alert(1)>'}


def test_every_value_a_lead_supplies_renders_as_text(client, console, stream, mailbox):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="eve@acme.example", **HOSTILE, **GOOD_FIT)
    for path in (f"/console/leads/{lead_id}", "/console/leads?stage=lead", "/console/leads?email=eve@acme.example"):
        html = text(console.get(path))
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in text(console.get(f"/console/leads/{lead_id}"))


def test_unknown_ids_get_a_404_page(console):
    for path in ("/console/leads/nobody", "/console/reps/nobody", "/console/nothing", "/console/leads/x/y"):
        answer = console.get(path)
        assert answer.status_code == 404 and "text/html" in answer.headers["Content-Type"], path
        assert "Not found" in text(answer)


# --- the lead page's actions -----------------------------------------------------------------
def lead_page(console, lead_id):
    return console.get(f"/console/leads/{lead_id}")


def test_the_lead_page_explains_the_score_biggest_first_and_shows_the_consent(client, console, stream, mailbox):
    lead_id, _ = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    html = text(lead_page(console, lead_id))
    view = client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body
    rules = re.findall(r'<tr><th scope="row">([a-z0-9_]+)</th><td>(fit|engagement|cap)</td>', html)
    assert [r for r, _ in rules] == [c["rule"] for c in view["scoring"]["breakdown"]]
    consent = view["consents"][0]
    assert consent["consent_version"] in html and consent["given_at"] in html and consent["ip"] in html
    assert view["opt_in_mails"][0]["message_id"] in html


def test_a_profile_edit_goes_through_the_patch_validation(client, console, stream, mailbox, aws):
    lead_id, _ = confirmed_lead(client, stream, mailbox)
    csrf = csrf_of(lead_page(console, lead_id))
    before = stored_items(aws)
    refused = console.post(f"/console/leads/{lead_id}/profile", {"profile.company": "Acme\u202eevil"}, csrf=csrf)
    assert refused.status_code == 400 and "profile.company" in text(refused)
    assert stored_items(aws) == before
    done = console.post(f"/console/leads/{lead_id}/profile", {"profile.company": "Acme GmbH"}, csrf=csrf)
    assert done.status_code == 303
    assert client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body["profile"]["company"] == "Acme GmbH"


def test_a_note_is_added_to_the_timeline(client, console, stream, mailbox):
    lead_id, _ = confirmed_lead(client, stream, mailbox)
    csrf = csrf_of(lead_page(console, lead_id))
    answer = console.post(
        f"/console/leads/{lead_id}/activity", {"type": "webinar_attended", "note": "<b>called</b>"}, csrf=csrf
    )
    assert answer.status_code == 303
    html = text(lead_page(console, lead_id))
    assert "webinar_attended" in html and "&lt;b&gt;called&lt;/b&gt;" in html


def test_erasure_needs_the_typed_address(client, console, stream, mailbox, aws):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example")
    csrf = csrf_of(lead_page(console, lead_id))
    wrong = console.post(f"/console/leads/{lead_id}/erase", {"confirm": "bob@acme.example"}, csrf=csrf)
    assert wrong.status_code == 400 and lead_page(console, lead_id).status_code == 200
    done = console.post(f"/console/leads/{lead_id}/erase", {"confirm": "ANN@acme.example"}, csrf=csrf)
    assert done.status_code == 200
    assert not [i for i in stored_items(aws) if i["pk"]["S"] == lead_pk(lead_id)]
    assert lead_page(console, lead_id).status_code == 404


@pytest.fixture
def accepted(client, console, stream, mailbox, queue):
    """An SQL accepted by a rep through the console, and its lead page's CSRF token."""
    put_rep(client, "ada")
    lead_id = sql_lead(client, stream, mailbox, "sql@acme.example")
    queue.pump()
    csrf = csrf_of(lead_page(console, lead_id))
    assert console.post(f"/console/assignments/{lead_id}/accept", csrf=csrf).status_code == 303
    return lead_id, csrf


def test_accepting_then_recording_won_moves_the_lead_to_customer(client, console, stream, accepted):
    lead_id, csrf = accepted
    assert f'<a href="/console/leads/{lead_id}">' in text(console.get("/console/reps"))
    answer = console.post(f"/console/leads/{lead_id}/outcome", {"outcome": "won", "note": "signed"}, csrf=csrf)
    assert answer.status_code == 303
    stream.pump()
    html = text(lead_page(console, lead_id))
    assert re.search(r'id="stage">[^<]*<strong>customer</strong>', html)
    # won closes the assignment: the rep holds it no more
    assert f"/console/leads/{lead_id}" not in text(console.get("/console/reps"))


def test_an_outcome_without_an_open_assignment_is_a_4xx_page_and_changes_nothing(client, console, stream, mailbox, aws):
    lead_id, _ = confirmed_lead(client, stream, mailbox)
    csrf = csrf_of(lead_page(console, lead_id))
    before = stored_items(aws)
    answer = console.post(f"/console/leads/{lead_id}/outcome", {"outcome": "won"}, csrf=csrf)
    assert answer.status_code == 404 and stored_items(aws) == before


def test_the_lead_list_filters_by_stage_and_temperature_and_finds_by_address(client, console, stream, mailbox):
    confirmed_lead(client, stream, mailbox, email="warm@acme.example", **GOOD_FIT)
    confirmed_lead(client, stream, mailbox, email="cold@acme.example")
    warm = text(console.get("/console/leads?stage=lead&temperature=warm"))
    assert "warm@acme.example" in warm and "cold@acme.example" not in warm
    cold = text(console.get("/console/leads?stage=lead&temperature=cold"))
    assert "cold@acme.example" in cold and "warm@acme.example" not in cold
    found = text(console.get("/console/leads?email=COLD@acme.example"))
    assert "cold@acme.example" in found and "warm@acme.example" not in found
    assert console.get("/console/leads?stage=vip").status_code == 400


def test_a_rep_is_edited_through_the_patch_validation(client, console):
    put_rep(client, "ada")
    csrf = csrf_of(console.get("/console/reps/ada"))
    bad = console.post("/console/reps/ada", {"capacity": "-1", "pools": "dach"}, csrf=csrf)
    assert bad.status_code == 400 and "capacity" in text(bad)
    fields = {"capacity": "7", "pools": "dach, enterprise", "territories": "DE, AT", "out_of_office": "on"}
    assert console.post("/console/reps/ada", fields, csrf=csrf).status_code == 303
    rep = client.http.get("/reps/ada", headers=ADMIN).json_body
    assert (rep["capacity"], rep["pools"], rep["out_of_office"]) == (7, ["dach", "enterprise"], True)
    assert "Ada" in text(console.get("/console/reps"))


# --- cost ------------------------------------------------------------------------------------------
class ItemsRead:
    """Counts the items DynamoDB reads (Query: ScannedCount, GetItem: the
    item), as billed: the page's cost. Scans are the scan guard's business
    (the tests' own stored_items scans, so the count restarts per page)."""

    def __init__(self):
        self.items = 0

    def add(self, operation, answer):
        if operation == "Query":
            self.items += answer.get("ScannedCount", 0)
        elif operation == "GetItem":
            self.items += 1 if "Item" in answer else 0
        elif operation == "BatchGetItem":
            raise AssertionError("a BatchGetItem the count does not know")


@pytest.fixture
def items_read(monkeypatch):
    counter = ItemsRead()
    real_call = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        answer = real_call(client, operation, params)
        counter.add(operation, answer)
        return answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return counter


def test_each_page_reads_a_bounded_number_of_items(client, console, stream, mailbox, services, aws, items_read):
    lead_id, _ = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    for n in range(1000):
        services.activities.record_server(lead_id, {"type": "webinar_attended", "data": {"n": n}})
    partition = [i["sk"]["S"] for i in stored_items(aws) if i["pk"]["S"] == lead_pk(lead_id)]
    others = [sk for sk in partition if not sk.startswith("ACT#")]
    costs = {}
    for path in PAGES + (f"/console/leads/{lead_id}",):
        items_read.items = 0
        assert console.get(path).status_code == 200, path
        costs[path] = items_read.items
    print("items read per page:", costs, "partition:", len(partition))
    # the session item, then the lead's partition but for all but its newest 100 activities
    assert costs[f"/console/leads/{lead_id}"] == 1 + len(others) + 100
    page = text(console.get(f"/console/leads/{lead_id}"))
    assert "newest 100 activities" in page and page.count("<strong>activities</strong>") == 100
    # one index page (25) at most
    assert costs["/console/leads"] <= 1 + 25
    # day counters (funnel, speed and revenue, 30 days each), two short attention lists, and the
    # sending state: the reputation day items of the 30 days and of the guard's 7-day window, the guard item
    assert costs["/console/overview"] <= 1 + 30 + 30 + 2 * 25 + 30 + (30 + 7 + 1)
    assert costs["/console/playbook"] == 1


# --- the rep's own view -----------------------------------------------------------------------------
def my_leads_link(mailbox, rep_email):
    """The "my leads" link of the rep's newest mail, read from the raw bytes SES got."""
    import email
    import email.policy

    raws = [m.raw_data for m in mailbox.messages() if rep_email in m.raw_data]
    message = email.message_from_string(raws[-1], policy=email.policy.compat32)
    plain = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    body = plain.get_payload(decode=True).decode(plain.get_content_charset() or "utf-8")
    return re.search(r"https://api\.leadflow\.test(/console/rep/[A-Za-z0-9_.-]+)", body).group(1)


def test_a_rep_opens_my_leads_from_the_mail_link_and_accepts_without_an_admin_token(
    client, stream, mailbox, queue, aws
):
    put_rep(client, "ada")
    put_rep(client, "bob", pools=["elsewhere"], territories=["FR"])
    lead_id = sql_lead(client, stream, mailbox, "sql@acme.example", first_name="<b>Dora</b>")
    queue.pump()
    path = my_leads_link(mailbox, "ada@sales.example")
    rep = Console(client)  # no cookies, no bearer token
    page = rep.get(path)
    assert page.status_code == 200 and f'data-lead="{lead_id}"' in text(page)
    assert "&lt;b&gt;Dora&lt;/b&gt;" in text(page) and "<b>Dora" not in text(page)
    before = stored_items(aws)
    assert rep.post(path + "/accept", {"lead": lead_id}).status_code == 403  # no CSRF token
    assert stored_items(aws) == before
    assert rep.post(path + "/accept", {"lead": lead_id}, csrf=csrf_of(page)).status_code == 303
    [a] = client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"]
    assert a["status"] == "accepted" and a["rep_id"] == "ada"
    outcome = rep.post(path + "/outcome", {"lead": lead_id, "outcome": "lost"}, csrf=csrf_of(rep.get(path)))
    assert outcome.status_code == 303 and f'data-lead="{lead_id}"' not in text(rep.get(path))


def test_a_reps_link_shows_and_touches_only_their_own_leads(client, stream, mailbox, queue, aws):
    from chalicelib.web.console.session import link_csrf
    from chalicelib.wiring import services as current

    put_rep(client, "ada")
    put_rep(client, "bob", pools=["elsewhere"], territories=["FR"])
    lead_id = sql_lead(client, stream, mailbox, "sql@acme.example")
    queue.pump()
    built = current()
    bobs = "/console/rep/" + built.router.my_leads_link("bob", built.clock.now() + timedelta(days=1)).rsplit("/", 1)[1]
    page = Console(client).get(bobs)
    assert page.status_code == 200 and lead_id not in text(page)
    before = stored_items(aws)
    # with the CSRF token bob's own page would carry, had it a form
    csrf = link_csrf(built.signer, bobs.rsplit("/", 1)[1])
    assert Console(client).post(bobs + "/accept", {"lead": lead_id}, csrf=csrf).status_code == 404
    assert stored_items(aws) == before
    assert Console(client).get("/console/rep/k1.e30.x").status_code == 404
