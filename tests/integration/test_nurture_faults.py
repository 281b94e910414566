"""The nurture sender under faults: SES throttling and its daily quota in the
middle of a batch, two ticks at once, and a crash at each point of a send."""

import pytest
from botocore.exceptions import ClientError

from chalicelib.storage.models import NurtureSendItem, SenderPauseItem, lead_pk

from .conftest import stored_items
from .test_nurture_flow import DAY, nurture_mails, sends, stored_lead, tick, timer  # noqa: F401 (a fixture)
from .test_scoring_flow import confirmed_lead


class Crash(BaseException):
    """The Lambda dies here (not an error the code could catch)."""


@pytest.fixture
def leads(client, stream, mailbox, timer):
    """Three confirmed leads, each with welcome step 1 due now."""
    return [confirmed_lead(client, stream, mailbox, email=f"lead{n}@acme.example")[0] for n in range(3)]


def on_first_call(monkeypatch, owner, name, action):
    """Run `action` when owner.name is first called, before the call itself
    (which does not happen if the action raises)."""
    real = getattr(owner, name)
    done = []

    def wrapper(*args, **kwargs):
        if not done:
            done.append(None)  # first: the action may call owner.name itself
            done[0] = action()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return done


def crash():
    raise Crash()


def ses_error(code, message):
    return ClientError({"Error": {"Code": code, "Message": message}}, "SendRawEmail")


def per_lead(mailbox, leads):
    """How many nurture mails each lead got, by step subject."""
    return {lead_id: [m["Subject"] for m in nurture_mails(mailbox, f"lead{n}@")] for n, lead_id in enumerate(leads)}


def open_claims(leads):
    return [r for lead_id in leads for r in sends(lead_id) if r.outcome == "claimed"]


def test_throttling_mid_batch_leaves_the_unsent_for_a_later_tick_and_repeats_none(
    client, mailbox, services, leads, timer, monkeypatch
):
    real_send = services.ses.send_raw_email
    throttling = {"on": True, "calls": 0}

    def send(**kwargs):
        throttling["calls"] += 1
        if throttling["on"] and throttling["calls"] > 1:
            raise ses_error("Throttling", "Maximum sending rate exceeded.")
        return real_send(**kwargs)

    monkeypatch.setattr(services.ses, "send_raw_email", send)
    assert tick(client) == {"sent": 1, "stopped: throttled": 1}
    assert [s for s in timer.sleeps if s >= 1] == [1, 2, 4]  # backoff, then the rest waits for the next tick
    assert open_claims(leads) == []  # SES said no: the claim was released

    throttling["on"] = False
    assert tick(client) == {"sent": 2}
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]


def test_the_daily_quota_stops_sending_until_the_next_day(client, clock, mailbox, services, leads, monkeypatch):
    real_send = services.ses.send_raw_email
    quota = {"left": 1}

    def send(**kwargs):
        if quota["left"] == 0:
            raise ses_error("Throttling", "Daily message quota exceeded.")
        quota["left"] -= 1
        return real_send(**kwargs)

    monkeypatch.setattr(services.ses, "send_raw_email", send)
    assert tick(client) == {"sent": 1, "stopped: daily quota": 1}
    assert SenderPauseItem.get("SENDER#nurture", "PAUSE").until == "2026-11-24T00:00:00.000Z"
    quota["left"] = 10
    clock.advance(3600)
    assert tick(client) == {"paused": 1}  # not even a look at the index
    clock.advance(21 * 3600)  # 07:00 UTC, 08:00 in Berlin: the quiet hours are over too
    assert tick(client) == {"sent": 2}
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]


def test_two_ticks_at_once_send_each_mail_once_when_one_runs_during_the_others_ses_call(
    client, mailbox, services, leads, monkeypatch
):
    # the other tick runs while this one's SES call is in flight
    other = on_first_call(monkeypatch, services.ses, "send_raw_email", lambda: tick(client))
    first = tick(client)
    assert other == [{"claimed by another run": 1, "sent": 2}]
    assert first == {"sent": 1}  # the other two were sent meanwhile: no longer due when it looks
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]


def test_two_ticks_at_once_send_each_mail_once_when_both_read_before_either_claims(
    client, mailbox, services, leads, monkeypatch
):
    # the other tick claims and sends first
    other = on_first_call(monkeypatch, services.nurture_store, "claim", lambda: tick(client))
    first = tick(client)
    assert other == [{"sent": 3}]
    assert first == {"already sent": 1}
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]


def test_a_crash_between_claim_and_send_gives_the_step_up_after_the_lease_and_goes_on(
    client, clock, mailbox, services, leads, monkeypatch
):
    on_first_call(monkeypatch, services.ses, "send_raw_email", crash)
    with pytest.raises(Crash):
        tick(client)
    [claim] = open_claims(leads)
    assert tick(client) == {"claimed by another run": 1, "sent": 2}  # a fresh claim is someone's work in flight

    clock.advance(15 * 60)  # the lease is over: it may have been sent, so it never will be (again)
    assert tick(client) == {"given up": 1}
    crashed_lead = claim.lead_id
    record = NurtureSendItem.get(claim.pk, claim.sk)
    assert record.outcome == "abandoned" and record.message_id is None
    assert per_lead(mailbox, leads)[crashed_lead] == []

    clock.advance(2 * DAY)  # the sequence goes on with step 2
    assert tick(client) == {"sent": 3}
    assert per_lead(mailbox, leads)[crashed_lead] == ["Welche Ihrer Leads sind kaufbereit?"]


def test_a_crash_after_ses_took_the_mail_does_not_send_it_again(client, clock, mailbox, services, leads, monkeypatch):
    # after SES accepted, before the message id was written
    on_first_call(monkeypatch, services.nurture_store, "record_sent", crash)
    with pytest.raises(Crash):
        tick(client)
    clock.advance(15 * 60)
    assert tick(client) == {"given up": 1, "sent": 2}
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]


def test_a_crash_after_the_recorded_send_moves_the_lead_on_without_sending_again(
    client, mailbox, services, leads, monkeypatch
):
    on_first_call(monkeypatch, services.nurture, "_move_on", crash)
    with pytest.raises(Crash):
        tick(client)
    assert tick(client) == {"already sent": 1, "sent": 2}
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]
    assert all(stored_lead(lead_id).nurture.as_dict()["welcome"]["step"] == 1 for lead_id in leads)


def test_a_mail_ses_rejects_is_released_and_tried_again_next_tick(client, mailbox, services, leads, monkeypatch):
    real_send = services.ses.send_raw_email
    rejecting = {"on": True}

    def send(**kwargs):
        if rejecting["on"] and "lead0@" in kwargs["Destinations"][0]:
            raise ses_error("MessageRejected", "Email address is not verified.")
        return real_send(**kwargs)

    monkeypatch.setattr(services.ses, "send_raw_email", send)
    assert tick(client) == {"rejected": 1, "sent": 2}
    assert open_claims(leads) == []
    rejecting["on"] = False
    assert tick(client) == {"sent": 1}
    assert sorted(len(subjects) for subjects in per_lead(mailbox, leads).values()) == [1, 1, 1]


def test_leads_erased_while_a_mail_is_in_flight_get_no_items_back(client, aws, mailbox, services, leads, monkeypatch):
    def erase_all():
        for item in stored_items(aws):
            if item["pk"]["S"] in {lead_pk(lead_id) for lead_id in leads}:
                aws.delete_item(TableName="leadflow", Key={"pk": item["pk"], "sk": item["sk"]})

    on_first_call(monkeypatch, services.ses, "send_raw_email", erase_all)
    assert tick(client) == {"sent": 1}  # the one in flight; the others left the index with their items
    assert not [i for i in stored_items(aws) if i["pk"]["S"].startswith("LEAD#")]
