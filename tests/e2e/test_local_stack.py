"""The whole product on the embedded local stack, over HTTP only."""

import re
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib.playbook import load_playbook
from infra.local.launch import start_stack

pytestmark = pytest.mark.e2e


def address(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def confirm_link(message: dict) -> str:
    return re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", message["text"]).group(0)


def test_json_signup_gets_its_mail_and_confirms_through_the_link(api):
    email = address("json")
    answer = api.submit(email, first_name="Ann")
    assert answer.status_code == 202 and answer.json() == {"status": "pending_confirmation"}
    api.drain()

    [mail] = api.mail_to(email)
    assert mail["to"] == [email] and "Anmeldung" in mail["subject"]
    assert mail["html"] and mail["raw"].startswith(("From:", "Content-Type", "MIME-Version"))
    assert mail["tags"]["kind"] == "opt_in"
    link = confirm_link(mail)
    assert link.startswith(api.url)  # links in mail point at the local API

    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert api.lead(email)["status"] == "pending"  # GET never confirms

    confirmed = requests.post(link, allow_redirects=False, timeout=10)
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].startswith(f"{api.stack.landing}/confirmed.html?lead=")
    assert api.lead(email)["status"] == "confirmed"


def test_plain_html_form_post_redirects_to_the_landing_page_and_mails(api):
    email = address("form")
    answer = requests.post(
        f"{api.url}/forms/demo/submissions",
        allow_redirects=False,
        timeout=10,
        data={"email": email, "consent": "on", "website": "", "_render_token": api.render_token()},
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{api.stack.landing}/thanks.html"
    api.drain()
    [mail] = api.mail_to(email)
    assert confirm_link(mail)


def test_cors_allows_the_landing_origin_only(api):
    def preflight(origin):
        return requests.options(
            f"{api.url}/forms/demo/submissions",
            timeout=10,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )

    allowed = preflight(api.stack.landing)
    assert allowed.headers.get("Access-Control-Allow-Origin") == api.stack.landing
    assert "Access-Control-Allow-Origin" not in preflight("http://evil.example").headers


def test_landing_page_posts_the_demo_form_to_this_api(api):
    page = requests.get(f"{api.stack.landing}/", timeout=10).text
    assert page.count(f'action="{api.url}/forms/demo/submissions"') == 2
    assert page.count('name="_render_token" value="') == 2 and 'name="website"' in page


def test_clock_moves_forward_only(api):
    before = requests.get(f"{api.url}/_local/clock", timeout=10).json()
    moved = requests.post(f"{api.url}/_local/clock", json={"advance_seconds": 3600}, timeout=10)
    assert moved.status_code == 200
    assert moved.json()["epoch"] - before["epoch"] >= 3600
    assert moved.json()["offset_seconds"] == before["offset_seconds"] + 3600
    backwards = requests.post(f"{api.url}/_local/clock", json={"advance_seconds": -1}, timeout=10)
    assert backwards.status_code == 400


def test_schedules_are_listed_and_unknown_ones_refused(api):
    listed = requests.get(f"{api.url}/_local/schedules", timeout=10).json()["schedules"]
    assert all({"name", "expression", "next_run"} <= set(s) for s in listed)
    assert requests.post(f"{api.url}/_local/schedules/no-such-job", timeout=10).status_code == 404


def test_mailbox_page_renders_messages_with_clickable_links(api):
    email = address("page")
    assert api.submit(email).status_code == 202
    api.drain()
    page = requests.get(f"{api.url}/_local/mailbox/", params={"to": email}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    link = confirm_link(api.mail_to(email)[0])
    assert f'<a class="link" href="{link}">' in page.text


def test_start_prints_where_everything_is_and_ctrl_c_stops_cleanly(tmp_path):
    running = start_stack(tmp_path / "stack.log", LEADFLOW_ADMIN_TOKEN="my-token")
    try:
        host = urlsplit(running.api).netloc
        assert (
            requests.get(
                f"{running.api}/leads?email=x@example.com", timeout=10, headers={"Authorization": "Bearer my-token"}
            ).status_code
            == 200
        )
    finally:
        code = running.stop()
    output = running.output()
    assert f"API           http://{host}" in output
    assert f"Landing page  {running.landing}/" in output
    assert f"Mailbox       {running.api}/_local/mailbox/" in output
    assert "Admin token   my-token" in output
    assert code == 0


@pytest.mark.parametrize("simulator, reason", [("bounce", "bounce"), ("complaint", "complaint")])
def test_mailbox_simulator_feedback_suppresses_the_address_end_to_end(api, simulator, reason):
    """SES's mailbox simulator address -> SES event -> SNS -> SQS -> on_ses_event."""
    email = f"{simulator}@simulator.amazonses.com"
    answer = api.submit(email)
    assert answer.status_code == 202
    api.drain()  # sends the opt-in mail; the simulator's feedback is queued
    api.drain()  # the SES-events consumer handles it
    lead = api.lead(email)
    assert lead["suppressed"] is True and reason in lead["suppressed_reason"]
    # past the resend cooldown a pending address would get a new link; a suppressed one gets nothing
    assert requests.post(f"{api.url}/_local/clock", json={"advance_seconds": 11 * 60}, timeout=10).ok
    again = api.submit(email)
    assert again.status_code == 202
    api.drain()
    assert len(api.mail_to(email)) == 1


def test_the_landing_pages_consent_text_links_the_privacy_policy(api):
    page = requests.get(f"{api.stack.landing}/", timeout=10)
    [consent, _] = re.findall(r'name="consent"[^>]*> <small>(.*?)</small>', page.text, re.S)  # both forms
    privacy = load_playbook(env={}).sender.privacy_url  # the stack's playbook
    assert f'<a href="{privacy}">Datenschutzerklärung</a>' in consent
    assert consent.startswith("Ja, ich möchte E-Mails von Leadflow")  # the text around the link stays
