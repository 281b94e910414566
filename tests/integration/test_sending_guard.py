"""The sending guard on moto: SES events as the SES mailbox simulator sends
them (infra/local/ses_simulator.ses_event, `bounce+label@...`) through the
SES events handler, sends counted as the app makes them, the nurture sender
held by the pause item and resumed by an admin or by itself."""

import copy
import json
import re
from datetime import timedelta

import pytest

from chalicelib.playbook.reputation import WarmUp
from chalicelib.storage.reputation import ReputationStore
from infra.local.aws import SentMail
from infra.local.ses_simulator import ses_event, simulated

from .conftest import ADMIN, REGION, SENDER, submit
from .test_aws_event_shapes import sample
from .test_integration_webhooks import posted, subscribed, webhooks  # noqa: F401 (fixtures)
from .test_nurture_flow import nurture_mails, tick, timer  # noqa: F401 (a fixture)
from .test_routing_flow import hook  # noqa: F401 (a fixture)
from .test_scoring_flow import confirmed_lead

ACCOUNT = "123456789012"


class Ses:
    """Every mail SES accepted (what the app passed, the message id), and
    the SES events its simulator would publish for them, as SQS records."""

    def __init__(self, client, clock):
        self.client = client
        self.clock = clock
        self.sent: list[tuple[dict, str]] = []
        self._answered = 0
        self._records = 0

    def record(self, params, kind=None):
        """The SQS record of the SES event for one sent mail (kind: as the
        simulator answers its recipient, or given for any address)."""
        recipient = params["Destinations"][0]
        message_id = next(mid for p, mid in self.sent if p is params)
        kind = kind or simulated(recipient)
        message = {"from": SENDER, "to": [recipient], "headers": {"To": recipient}, "id": message_id, "subject": "-"}
        tags = {t["Name"]: t["Value"] for t in params.get("Tags", [])}
        sent = SentMail(message_id, params.get("ConfigurationSetName"), tags)
        event = ses_event(kind, recipient, message, sent, self.clock.now(), REGION, ACCOUNT)
        self._records += 1
        record = copy.deepcopy(sample("ses/bounce-permanent.json")["Records"][0])
        record["messageId"] = f"sqs-{self._records}"
        record["body"] = json.dumps(
            {"Type": "Notification", "MessageId": f"sns-{self._records}", "Message": json.dumps(event)}
        )
        return record

    def deliver(self, *records):
        answer = self.client.lambda_.invoke("on_ses_event", {"Records": list(records)}).payload
        assert answer == {"batchItemFailures": []}, answer

    def simulate(self):
        """Deliver the events of every simulator address mailed since last time."""
        new, self._answered = self.sent[self._answered :], len(self.sent)
        records = [self.record(params) for params, _ in new if simulated(params["Destinations"][0])]
        for record in records:
            self.deliver(record)
        return len(records)

    def of_kind(self, kind):
        return [params for params, _ in self.sent if {"Name": "kind", "Value": kind} in params.get("Tags", [])]


@pytest.fixture
def ses(services, client, clock, monkeypatch):
    watched = Ses(client, clock)
    real = services.ses.send_raw_email

    def send(**params):
        answer = real(**params)
        watched.sent.append((params, answer["MessageId"]))
        return answer

    monkeypatch.setattr(services.ses, "send_raw_email", send)
    return watched


def rules(services, **reputation):
    """The playbook's reputation rules for this test (and room for many signups)."""
    playbook = services.playbook
    capture = playbook.capture.model_copy(
        update={"per_ip": playbook.capture.per_ip.model_copy(update={"limit": 10_000})}
    )
    services.playbook = playbook.model_copy(
        update={"reputation": playbook.reputation.model_copy(update=reputation), "capture": capture}
    )


def signups(client, stream, addresses):
    for address in addresses:
        assert submit(client, email=address).status_code == 202
    stream.pump()  # the opt-in mails go out


def paused(services):
    return services.sending_guard.paused()


def today(services):
    return ReputationStore.days(services.clock.now().date(), services.clock.now().date())[0]


def test_a_burst_of_simulated_bounces_pauses_nurture_at_the_configured_rate(client, stream, services, ses):
    rules(services, min_volume=20, pause_bounce_rate=0.05)
    signups(client, stream, [f"ann{n}@acme.example" for n in range(40)])
    for n in (1, 2):
        signups(client, stream, [f"bounce+{n}@simulator.amazonses.com"])
        ses.simulate()
    assert paused(services) == {}  # 2 of 42: 4.8 %, below 5 %

    signups(client, stream, ["bounce+3@simulator.amazonses.com"])
    assert ses.simulate() == 1
    [(scope, pause)] = paused(services).items()  # 3 of 43: 7.0 %
    assert scope == "all"
    assert pause["figures"]["sends"] == 43 and pause["figures"]["hard_bounces"] == 3
    assert pause["reason"] == "bounce rate 6.98% >= 5.00%"
    day = today(services)
    assert day["kind:opt_in|sends"] == 43 and day["kind:opt_in|hard_bounces"] == 3
    assert day["domain:other|hard_bounces"] == 3


def test_below_the_minimum_volume_the_guard_never_trips(client, stream, services, ses):
    rules(services, min_volume=20, pause_bounce_rate=0.05)
    signups(client, stream, [f"ann{n}@acme.example" for n in range(5)])
    signups(client, stream, [f"bounce+{n}@simulator.amazonses.com" for n in range(14)])
    assert ses.simulate() == 14
    assert paused(services) == {}  # 14 bounces in 19 sends, but fewer than 20 sends
    report = client.http.get(f"/reports/deliverability?from={day(services)}&to={day(services)}", headers=ADMIN)
    assert report.json_body["current"]["all"]["bounce_rate"] is None
    assert "fewer than the minimum volume of 20" in report.json_body["current"]["note"]

    signups(client, stream, ["bounce+14@simulator.amazonses.com"])
    ses.simulate()
    assert set(paused(services)) == {"all"}  # the 20th send


def day(services):
    return services.clock.now().date().isoformat()


def test_complaints_pause_at_their_own_rate(client, stream, services, ses):
    rules(services, min_volume=10, pause_complaint_rate=0.1)
    signups(client, stream, [f"ann{n}@acme.example" for n in range(9)] + ["complaint+1@simulator.amazonses.com"])
    ses.simulate()
    assert paused(services)["all"]["reason"] == "complaint rate 10.000% >= 10.000%"


def test_a_redelivered_ses_event_counts_once(client, stream, services, ses):
    signups(client, stream, ["bounce+1@simulator.amazonses.com", "complaint+1@simulator.amazonses.com"])
    bounce, complaint = (ses.record(params) for params, _ in ses.sent)
    ses.deliver(bounce)
    ses.deliver(bounce)  # SQS redelivers
    again = {**complaint}
    ses.deliver(complaint, {**again, "messageId": "another-sqs-message"})  # SNS delivered it twice
    counters = today(services)
    assert counters["all|sends"] == 2
    assert counters["all|hard_bounces"] == 1 and counters["all|complaints"] == 1
    assert counters["kind:opt_in|hard_bounces"] == 1


def test_opt_in_mail_still_goes_out_while_nurture_is_paused(client, stream, mailbox, services, ses, timer):
    rules(services, min_volume=5, pause_bounce_rate=0.2)
    ann, _ = confirmed_lead(client, stream, mailbox, email="ann@acme.example")  # welcome step 1 is due
    signups(client, stream, [f"bounce+{n}@simulator.amazonses.com" for n in range(4)])
    ses.simulate()
    assert set(paused(services)) == {"all"}

    assert tick(client) == {"paused by the sending guard": 1}
    assert nurture_mails(mailbox) == []
    signups(client, stream, ["bob@acme.example"])
    assert ses.sent[-1][0]["Destinations"] == ["bob@acme.example"]  # the opt-in mail went out
    assert len(ses.of_kind("opt_in")) == 6


def test_an_admin_resumes_and_the_guard_judges_only_what_is_sent_after(client, stream, mailbox, services, ses, timer):
    rules(services, min_volume=5, pause_bounce_rate=0.2)
    confirmed_lead(client, stream, mailbox, email="ann@acme.example")
    signups(client, stream, [f"bounce+{n}@simulator.amazonses.com" for n in range(4)])
    records = [ses.record(params) for params, _ in ses.sent if simulated(params["Destinations"][0])]
    ses.deliver(*records)
    assert set(paused(services)) == {"all"}

    refused = client.http.post("/sending/resume", headers=ADMIN, body=json.dumps({}))
    assert refused.status_code == 400 and "reason" in refused.json_body["errors"]
    answer = client.http.post("/sending/resume", headers=ADMIN, body=json.dumps({"reason": "list cleaned"}))
    assert answer.status_code == 200
    assert answer.json_body["action"] == "resumed" and answer.json_body["reason"] == "list cleaned"
    assert paused(services) == {}
    again = client.http.post("/sending/resume", headers=ADMIN, body=json.dumps({"reason": "twice"}))
    assert again.status_code == 409

    assert tick(client) == {"sent": 1}  # nurture flows again
    for record in records:  # the same events once more: counted before, judged before
        ses.deliver({**record, "messageId": record["messageId"] + "-again"})
    assert paused(services) == {}
    # a new bounce is judged on the sends after the resume: 1 of 1, below the volume
    signups(client, stream, ["bounce+new@simulator.amazonses.com"])
    ses.simulate()
    assert paused(services) == {}

    pauses = client.http.get(f"/reports/deliverability?from={day(services)}&to={day(services)}", headers=ADMIN)
    assert [(e["action"], e["by"]) for e in pauses.json_body["pauses"]] == [("paused", "guard"), ("resumed", "admin")]
    figures = pauses.json_body["pauses"][0]["figures"]
    assert (figures["sends"], figures["hard_bounces"]) == (5, 1)  # the first bounce crossed 20 %


def test_the_guard_resumes_by_itself_after_a_calm_day(client, stream, mailbox, clock, services, ses, timer):
    rules(services, min_volume=10, pause_bounce_rate=0.1, auto_resume=True)
    confirmed_lead(client, stream, mailbox, email="ann@acme.example")
    signups(client, stream, [f"ann{n}@acme.example" for n in range(9)] + ["bounce+1@simulator.amazonses.com"])
    ses.simulate()
    signups(client, stream, ["bounce+2@simulator.amazonses.com"])
    ses.simulate()
    assert set(paused(services)) == {"all"}  # 2 of 12
    assert tick(client) == {"paused by the sending guard": 1}  # 16.7 %: not calm

    signups(client, stream, [f"cid{n}@acme.example" for n in range(30)])  # 2 of 42: below half of 10 %
    assert tick(client) == {"paused by the sending guard": 1}  # calm from now on
    clock.advance(timedelta(hours=23).total_seconds())
    assert tick(client) == {"paused by the sending guard": 1}  # not a day yet
    clock.advance(timedelta(hours=1).total_seconds())
    assert tick(client) == {"sent": 1}
    assert paused(services) == {}
    first = (clock.now() - timedelta(days=1)).date().isoformat()
    report = client.http.get(f"/reports/deliverability?from={first}&to={day(services)}", headers=ADMIN)
    [_, resumed] = report.json_body["pauses"]
    assert resumed["action"] == "resumed" and resumed["by"] == "guard"
    # 42 opt-in mails and the mail that told the manager of the pause
    assert resumed["figures"]["sends"] == 43 and resumed["figures"]["hard_bounces"] == 2


def test_a_sequence_that_bounces_alone_is_paused_alone(client, stream, mailbox, services, ses, timer):
    rules(services, min_volume=10, pause_bounce_rate=0.1)
    for n in range(12):
        confirmed_lead(client, stream, mailbox, email=f"lead{n}@acme.example")
    assert tick(client) == {"sent": 12}  # welcome step 1 to each
    welcome = ses.of_kind("nurture")
    # two mailboxes were deleted since they confirmed
    ses.deliver(*(ses.record(params, "Bounce") for params in welcome[:2]))
    assert set(paused(services)) == {"sequence:welcome"}  # 2 of 12 welcome mails; 2 of 24 in all: 8.3 %
    assert paused(services)["sequence:welcome"]["figures"]["sends"] == 12

    stream.pump()
    signups(client, stream, ["new@acme.example"])  # opt-in mail still flows
    token = re.search(r"/confirm/([A-Za-z0-9_-]+)", mailbox.texts()[-1]).group(1)
    assert client.http.post(f"/confirm/{token}").status_code == 303
    stream.pump()  # enrolled in welcome
    assert tick(client) == {"sequence paused": 1}  # the newcomer's welcome waits, still due
    assert len(ses.of_kind("nurture")) == 12
    answer = client.http.post(
        "/sending/resume", headers=ADMIN, body=json.dumps({"reason": "fixed the list", "sequence": "welcome"})
    )
    assert answer.status_code == 200 and answer.json_body["scope"] == "sequence:welcome"
    assert tick(client) == {"sent": 1}


def test_a_pause_written_mid_tick_stops_the_very_next_nurture_claim(client, stream, mailbox, services, ses, timer):
    """The figure the issue asks for: nurture mails sent after the bounce
    that crossed the threshold was counted."""
    rules(services, min_volume=5, pause_bounce_rate=0.2)
    for n in range(4):
        confirmed_lead(client, stream, mailbox, email=f"lead{n}@acme.example")
    signups(client, stream, [f"bounce+{n}@simulator.amazonses.com" for n in range(2)])
    held = [ses.record(params) for params, _ in ses.sent if simulated(params["Destinations"][0])]
    real = services.ses.send_raw_email
    crossed_at = []

    def send(**params):
        answer = real(**params)
        if not crossed_at:  # the bounces arrive while the first nurture mail is in flight
            ses.deliver(*held)
            crossed_at.append(len(ses.sent))
        return answer

    services.ses.send_raw_email = send
    assert tick(client) == {"sent": 1, "stopped: paused by the sending guard": 1}
    assert set(paused(services)) == {"all"}  # 2 of 7 sends: 28.6 %
    after_crossing = [p for p, _ in ses.sent[crossed_at[0] :] if {"Name": "kind", "Value": "nurture"} in p["Tags"]]
    assert after_crossing == []  # none beyond the one in flight
    assert len(nurture_mails(mailbox)) == 1


def test_each_pause_and_resume_reaches_the_manager_and_the_webhooks_once(
    client, stream, mailbox, services, ses, timer, subscribed, webhooks
):
    rules(services, min_volume=5, pause_bounce_rate=0.2)
    subscribed("sending.paused", "sending.resumed", "lead.confirmed")
    signups(client, stream, [f"ann{n}@acme.example" for n in range(4)] + ["bounce+1@simulator.amazonses.com"])
    ses.simulate()
    records = stream.records()
    stream.deliver(records)
    assert stream.deliver(records) == {"batchItemFailures": []}  # a redelivered batch tells nobody twice
    stream.pump()
    answer = client.http.post("/sending/resume", headers=ADMIN, body=json.dumps({"reason": "bad list removed"}))
    assert answer.status_code == 200
    stream.pump()

    manager = services.playbook.routing.sla.manager_email
    told = [m for m in mailbox.parsed() if m["To"] == manager]
    assert [m["Subject"] for m in told] == [
        "Nurture mail paused: all nurture mail",
        "Nurture mail resumed: all nurture mail",
    ]
    assert "1 hard bounces (20.00%)" in told[0].get_body(("plain",)).get_content()

    webhooks.pump()
    events = [body for _, body, _ in posted()]
    assert [e["type"] for e in events] == ["sending.paused", "sending.resumed"]
    assert events[0]["lead_id"] is None and events[0]["data"]["scope"] == "all"
    assert events[0]["data"]["figures"]["hard_bounces"] == 1 and events[0]["data"]["figures"]["sends"] == 5
    assert events[1]["data"]["by"] == "admin" and events[1]["data"]["reason"] == "bad list removed"


def test_a_new_domain_warms_up_with_a_growing_daily_cap_oldest_due_first(
    client, stream, mailbox, clock, services, timer
):
    rules(services, warm_up=WarmUp(first_day=day(services), start=2, factor=2))
    for n in range(5):
        confirmed_lead(client, stream, mailbox, email=f"lead{n}@acme.example")
        clock.advance(60)  # each due a minute after the one before
    assert tick(client) == {"sent": 2, "stopped: warm-up cap for today": 1}
    assert sorted(m["To"] for m in nurture_mails(mailbox)) == ["lead0@acme.example", "lead1@acme.example"]
    assert tick(client) == {"stopped: warm-up cap for today": 1}  # the rest waits for tomorrow

    clock.advance(24 * 3600)  # day 2: a cap of 4
    assert tick(client) == {"sent": 3}
    assert len(nurture_mails(mailbox)) == 5
