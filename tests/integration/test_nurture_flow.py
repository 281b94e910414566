"""Nurture sequences end to end on moto: enrolment on confirmation, the
scheduled sender with the fixed clock, the send window, the frequency cap
and every way out of a sequence."""

import re
from urllib.parse import urlsplit

import pytest
from chalice.local import LambdaContext

from chalicelib.clock import iso
from chalicelib.playbook import load_playbook
from chalicelib.storage.models import LEAD_SK, LeadItem, NurtureSendItem, lead_pk

from .conftest import ADMIN, stored_items, submit
from .test_scoring_flow import GOOD_FIT, confirmed_lead, send_event

DAY = 86400


class FakeTimer:
    """Pacing and backoff without waiting: sleeping moves this timer only."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def timer(services):
    services.timer = FakeTimer()
    return services.timer


@pytest.fixture
def ses_calls(services):
    """What the app passed to SES for each mail (moto keeps no tags)."""
    calls = []
    services.ses.meta.events.register(
        "provide-client-params.ses.SendRawEmail", lambda params, **_: calls.append(params)
    )
    return calls


def tick(client):
    """The schedule's handler as Lambda calls it (the test client's own
    context would give it 3 s, less than the sender keeps in reserve)."""
    from app import app

    event = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["arn:aws:events:rule/x"])
    return app.handler_map["send_nurture"](event, LambdaContext("send_nurture", 512, max_runtime_ms=60_000))


def nurture_mails(mailbox, to=None):
    return [m for m in mailbox.parsed() if m["List-Unsubscribe"] and (to is None or to in m["To"])]


def subjects(mailbox, to=None):
    return [m["Subject"] for m in nurture_mails(mailbox, to)]


def stored_lead(lead_id):
    return LeadItem.get(lead_pk(lead_id), LEAD_SK, consistent_read=True)


def sends(lead_id):
    return list(
        NurtureSendItem.query(lead_pk(lead_id), NurtureSendItem.sk.startswith("NURTURE#"), consistent_read=True)
    )


def test_a_confirmed_lead_gets_step_1_at_once_and_step_2_only_after_its_delay(
    client, stream, mailbox, clock, timer, ses_calls, services
):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example", first_name="Ann")
    assert stored_lead(lead_id).nurture_due == iso(clock.now())

    assert tick(client) == {"sent": 1}
    assert subjects(mailbox) == ["Willkommen bei Leadflow"]  # the demo form is German
    assert tick(client) == {}  # nothing due: the lead is not even read

    clock.advance(2 * DAY - 60)
    assert tick(client) == {} and len(subjects(mailbox)) == 1
    clock.advance(60)
    assert tick(client) == {"sent": 1}
    assert subjects(mailbox) == ["Willkommen bei Leadflow", "Welche Ihrer Leads sind kaufbereit?"]

    clock.advance(3 * DAY)
    assert tick(client) == {"sent": 1}
    assert stored_lead(lead_id).nurture_due is None  # finished: out of the index
    clock.advance(30 * DAY)
    assert tick(client) == {} and len(subjects(mailbox)) == 3

    records = sends(lead_id)
    assert [(r.sequence, r.step, r.outcome) for r in records] == [
        ("welcome", 0, "sent"),
        ("welcome", 1, "sent"),
        ("welcome", 2, "sent"),
    ]
    assert [r.message_id for r in records] == [m.id for m in mailbox.messages()[1:]]
    assert [c["Tags"] for c in ses_calls[1:2]] == [
        [
            {"Name": "kind", "Value": "nurture"},
            {"Name": "lead", "Value": lead_id},
            {"Name": "sequence", "Value": "welcome"},
            {"Name": "step", "Value": "1"},
        ]
    ]


def test_a_nurture_mail_is_personal_tracked_and_carries_one_click_unsubscribe(client, stream, mailbox, timer, services):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example", first_name="<Ann>")
    tick(client)
    [mail] = nurture_mails(mailbox)
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Hallo &lt;Ann&gt;," in html and "Hallo <Ann>," in text  # autoescaped in HTML only

    public = services.settings.public_url
    unsubscribe = re.search(r"<(.+)>", mail["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{public}/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = re.findall(r'href="([^"]+)"', html)
    assert unsubscribe in links and unsubscribe in text  # visible, in both parts
    privacy = str(services.playbook.sender.privacy_url)  # the imprint's, not tracked
    tracked = [link for link in links if link not in (unsubscribe, privacy)]
    assert tracked and all(link.startswith(f"{public}/t/c/") for link in tracked)
    urls = re.findall(r"https?://\S+", text)
    assert all(url.startswith((f"{public}/t/c/", unsubscribe)) or url == privacy for url in urls)
    assert "<img" not in html  # no open pixel unless the playbook asks for one

    followed = client.http.get(urlsplit(tracked[0]).path)
    assert followed.status_code == 302 and followed.headers["Location"].startswith("https://www.leadflow.example/")
    one_click = client.http.post(
        urlsplit(unsubscribe).path,
        body="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and stored_lead(lead_id).status == "unsubscribed"


def test_the_playbook_can_ask_for_an_open_pixel(client, stream, mailbox, timer, services):
    playbook = load_playbook(env={})
    services.playbook = playbook.model_copy(
        update={"nurture": playbook.nurture.model_copy(update={"open_pixel": True})}
    )
    confirmed_lead(client, stream, mailbox, email="ann@acme.example")
    tick(client)
    [mail] = nurture_mails(mailbox)
    [pixel] = re.findall(r'<img src="([^"]+)"', mail.get_body(("html",)).get_content())
    assert pixel.startswith(f"{services.settings.public_url}/t/o/")


def test_english_leads_get_the_english_template_and_a_greeting_without_a_name(client, stream, mailbox, timer, services):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="bob@acme.example")
    stored = stored_lead(lead_id)
    stored.update([LeadItem.locale.set("en")])
    stream.pump()
    tick(client)
    [mail] = nurture_mails(mailbox)
    assert mail["Subject"] == "Welcome to Leadflow"
    assert mail.get_body(("plain",)).get_content().startswith("Hello there,")


def test_no_mail_goes_out_in_the_leads_quiet_hours(client, stream, mailbox, clock, timer):
    clock.advance(11 * 3600 + 1800)  # 20:30 UTC: 21:30 in Berlin, the demo form's zone
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="night@acme.example")
    assert tick(client) == {}
    # due at 08:00 Berlin the next morning (07:00 UTC)
    assert stored_lead(lead_id).nurture_due == "2026-11-24T07:00:00.000Z"
    clock.advance(10 * 3600 + 1740)  # 07:59 Berlin
    assert tick(client) == {} and subjects(mailbox) == []
    clock.advance(60)
    assert tick(client) == {"sent": 1}
    assert sends(lead_id)[0].sent_at == "2026-11-24T07:00:00.000Z"


def test_the_sender_itself_keeps_quiet_hours_when_the_index_says_due(client, stream, mailbox, clock, timer):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="late@acme.example")
    stored_lead(lead_id).update([LeadItem.nurture_due.set(iso(clock.now()))])
    clock.advance(11 * 3600)  # 21:00 Berlin
    assert tick(client) == {"waiting": 1} and subjects(mailbox) == []
    assert stored_lead(lead_id).nurture_due == "2026-11-24T07:00:00.000Z"


def test_reaching_sql_ends_the_sequence_and_takes_the_lead_out_of_the_index(client, stream, mailbox, clock, timer):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, email="buyer@acme.example", **GOOD_FIT)
    assert tick(client) == {"sent": 1}
    clock.advance(DAY)
    assert send_event(client, lead_token, type="demo_request").status_code == 202
    stream.pump()
    stored = stored_lead(lead_id)
    assert stored.stage == "sql" and stored.nurture_due is None and stored.nurture_shard is None
    assert stored.nurture.as_dict()["welcome"]["ended"] == "stage sql"
    clock.advance(10 * DAY)
    assert tick(client) == {} and len(subjects(mailbox)) == 1


def test_an_unsubscribed_lead_gets_nothing_more_even_before_the_stream_catches_up(
    client, stream, mailbox, clock, timer
):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="bye@acme.example")
    tick(client)
    unsubscribe = re.search(r"<(.+)>", nurture_mails(mailbox)[0]["List-Unsubscribe"]).group(1)
    assert client.http.post(urlsplit(unsubscribe).path).status_code == 200
    clock.advance(2 * DAY)
    # the reaction has not run: the sender's consistent read still refuses
    assert tick(client) == {"unsubscribed": 1}
    assert stored_lead(lead_id).nurture_due is None
    stream.pump()
    clock.advance(5 * DAY)
    assert tick(client) == {} and len(subjects(mailbox)) == 1


def test_a_bounced_lead_gets_nothing_more(client, stream, mailbox, clock, timer, services):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="gone@acme.example")
    tick(client)
    services.suppression.suppress("gone@acme.example", "bounce", iso(clock.now()), "ses-message-1")
    stream.pump()
    assert stored_lead(lead_id).nurture_due is None
    clock.advance(7 * DAY)
    assert tick(client) == {} and len(subjects(mailbox)) == 1


def test_the_frequency_cap_spaces_mails_of_different_sequences(client, stream, mailbox, clock, timer, services):
    playbook = load_playbook(env={})
    nurture = playbook.nurture
    software = nurture.sequences["software"].model_copy(
        update={"steps": (nurture.sequences["software"].steps[0].model_copy(update={"delay_days": 2}),)}
    )
    services.playbook = playbook.model_copy(
        update={"nurture": nurture.model_copy(update={"sequences": {**nurture.sequences, "software": software}})}
    )
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="dev@acme.example", industry="software")
    assert set(stored_lead(lead_id).nurture.as_dict()) == {"welcome", "software"}
    tick(client)
    clock.advance(2 * DAY)
    assert tick(client) == {"sent": 1}  # welcome step 2 (first in the playbook), software waits a day
    clock.advance(DAY - 60)
    assert tick(client) == {}
    clock.advance(60)
    assert tick(client) == {"sent": 1}
    assert subjects(mailbox)[1:] == ["Welche Ihrer Leads sind kaufbereit?", "Leadflow für Softwarefirmen"]


def test_leads_outside_the_enrolment_conditions_are_not_enrolled(client, stream, mailbox, timer):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="retail@acme.example", industry="retail")
    assert set(stored_lead(lead_id).nurture.as_dict()) == {"welcome"}


def test_pending_signups_get_no_nurture_and_are_not_in_the_index(client, stream, mailbox, aws, timer):
    assert submit(client, email="pending@acme.example").status_code == 202
    stream.pump()
    [lead] = [i for i in stored_items(aws) if i["sk"]["S"] == LEAD_SK]
    assert "nurture_due" not in lead and "nurture_shard" not in lead
    assert tick(client) == {}


def test_enrolling_again_changes_nothing(client, stream, mailbox, timer, services):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="again@acme.example")
    before = stored_lead(lead_id)
    assert services.nurture.reconcile(lead_id) == "unchanged"  # a redelivered change
    after = stored_lead(lead_id)
    assert (after.version, after.nurture.as_dict()) == (before.version, before.nurture.as_dict())


def test_send_records_live_in_the_leads_partition_and_the_pause_names_no_lead(client, stream, mailbox, aws, timer):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="gdpr@acme.example")
    tick(client)
    nurture_items = [i for i in stored_items(aws) if i["sk"]["S"].startswith("NURTURE#")]
    assert nurture_items and {i["pk"]["S"] for i in nurture_items} == {lead_pk(lead_id)}


def test_sends_are_paced_to_the_configured_rate(client, stream, mailbox, timer):
    for n in range(3):
        confirmed_lead(client, stream, mailbox, email=f"pace{n}@acme.example")
    assert tick(client) == {"sent": 3}
    assert timer.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]  # 10 a second in the playbook


def test_a_tick_stops_when_the_lambdas_time_runs_short_and_the_rest_stays_due(
    client, stream, mailbox, clock, timer, services
):
    for n in range(3):
        confirmed_lead(client, stream, mailbox, email=f"slow{n}@acme.example")
    remaining = iter([60_000, 60_000, 9_000])  # ms left before each lead; 10 s are kept in reserve
    assert services.nurture_sender.tick(lambda: next(remaining)) == {"sent": 2, "stopped: time": 1}
    assert services.nurture_sender.tick(lambda: 60_000) == {"sent": 1}
    assert len(subjects(mailbox)) == 3


def test_an_erased_lead_leaves_nothing_to_send(client, stream, mailbox, aws, clock, timer):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="erased@acme.example")
    tick(client)
    for item in stored_items(aws):
        if item["pk"]["S"] == lead_pk(lead_id):
            aws.delete_item(TableName="leadflow", Key={"pk": item["pk"], "sk": item["sk"]})
    stream.pump()
    clock.advance(10 * DAY)
    assert tick(client) == {}
    assert not [i for i in stored_items(aws) if i["pk"]["S"] == lead_pk(lead_id)]


def test_the_admin_view_shows_the_leads_nurture_mails(client, stream, mailbox, timer):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="admin@acme.example")
    tick(client)
    view = client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body
    [sent] = view["nurture_mails"]
    assert (sent["sequence"], sent["step"], sent["outcome"]) == ("welcome", 0, "sent") and sent["message_id"]
    assert view["nurture"]["welcome"]["step"] == 1 and "nurture_shard" not in view
