"""Nurture on the embedded local stack, over HTTP only: a confirmed lead, the
app's clock moved on, the scheduled sender run, and the mail in the local
mailbox with links that work. Its own stack: it moves the clock by a day."""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

pytestmark = pytest.mark.e2e


def opted_out(api, day):
    params = {"from": day.isoformat(), "to": day.isoformat()}
    answer = requests.get(f"{api.url}/reports/funnel", params=params, headers=api.admin, timeout=10)
    return answer.json()["opted_out"]


def test_a_confirmed_lead_gets_the_welcome_mail_with_working_tracked_and_unsubscribe_links(api):
    email = f"nurture-{uuid.uuid4().hex[:8]}@example.com"
    assert api.submit(email, first_name="Ann").status_code == 202
    api.drain()
    confirm = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", api.mail_to(email)[0]["text"]).group(0)
    assert requests.post(confirm, allow_redirects=False, timeout=10).status_code == 303
    api.drain()

    # to noon in Berlin (the demo form's zone) tomorrow: outside the quiet hours
    now = datetime.fromisoformat(requests.get(f"{api.url}/_local/clock", timeout=10).json()["now"])
    berlin = now.astimezone(ZoneInfo("Europe/Berlin"))
    noon = (berlin + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    advance = int((noon - berlin).total_seconds())
    assert requests.post(f"{api.url}/_local/clock", json={"advance_seconds": advance}, timeout=10).status_code == 200
    assert requests.post(f"{api.url}/_local/schedules/send_nurture", timeout=30).status_code == 200
    api.drain()

    [mail] = [m for m in api.mail_to(email) if m["tags"].get("kind") == "nurture"]
    assert mail["subject"] == "Willkommen bei Leadflow" and mail["text"].startswith("Hallo Ann,")
    assert mail["tags"]["sequence"] == "welcome" and mail["tags"]["step"] == "1"
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(.+)>", mail["headers"]["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{api.url}/unsubscribe/") and unsubscribe in mail["text"]

    tracked = re.findall(r'href="([^"]+/t/c/[^"]+)"', mail["html"])
    assert tracked
    click = requests.get(tracked[0], allow_redirects=False, timeout=10)
    assert click.status_code == 302 and click.headers["Location"].startswith("https://www.leadflow.example/")
    assert "<img" not in mail["html"]  # no open pixel as shipped (nurture.open_pixel)

    day = datetime.fromisoformat(requests.get(f"{api.url}/_local/clock", timeout=10).json()["now"]).date()
    before = opted_out(api, day)
    one_click = requests.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        timeout=10,
        allow_redirects=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    api.drain()
    lead = api.lead(email)
    assert lead["status"] == "unsubscribed" and "nurture_due" not in lead
    # counted on the funnel's day item of the unsubscribe, once
    assert opted_out(api, day) == {**before, "unsubscribed": before["unsubscribed"] + 1}
    assert [a["type"] for a in lead["activities"]].count("email_click") == 1
