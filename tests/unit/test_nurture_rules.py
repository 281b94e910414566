"""Nurture rules on plain data: enrolment, exit, step timing, quiet hours,
the frequency cap; and the playbook section's validation."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.nurture.plan import (
    Due,
    NurtureLead,
    SequenceState,
    after_send,
    at_send_time,
    outside_quiet_hours,
    plan,
)
from chalicelib.playbook import PlaybookError, load_playbook, parse_playbook, read_playbook
from chalicelib.playbook.nurture import QuietHours

NURTURE = load_playbook(env={}).nurture
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


def lead(**changes):
    base = dict(
        lead_id="l1",
        status="confirmed",
        suppressed=False,
        stage="lead",
        form_id="demo",
        locale="de",
        timezone="Europe/Berlin",
        profile={},
    )
    return NurtureLead(**{**base, **changes})


def test_a_confirmed_lead_below_sql_joins_welcome_with_step_1_due_at_once():
    planned = plan(lead(), NURTURE, MONDAY)
    assert planned.sequences == {"welcome": SequenceState(0, MONDAY)}
    assert planned.next == Due("welcome", 0, MONDAY)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "pending"},
        {"status": "unsubscribed"},
        {"suppressed": True},
        {"stage": "sql"},
        {"stage": "customer"},
    ],
)
def test_pending_unsubscribed_suppressed_and_sales_stages_join_nothing(changes):
    planned = plan(lead(**changes), NURTURE, MONDAY)
    assert planned.sequences == {} and planned.next is None


def test_profile_conditions_match_a_field_or_any_element_of_a_list():
    assert "software" in plan(lead(profile={"industry": "software"}), NURTURE, MONDAY).sequences
    assert "software" not in plan(lead(profile={"industry": "retail"}), NURTURE, MONDAY).sequences
    assert "software" not in plan(lead(stage="subscriber", profile={"industry": "software"}), NURTURE, MONDAY).sequences


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"stage": "sql"}, "stage sql"),
        ({"stage": "opportunity"}, "stage opportunity"),
        ({"status": "unsubscribed"}, "unsubscribed"),
        ({"suppressed": True}, "suppressed"),
    ],
)
def test_a_running_sequence_ends_on_sql_or_later_unsubscribe_and_suppression(changes, reason):
    running = lead(sequences={"welcome": SequenceState(1, MONDAY)}, **changes)
    planned = plan(running, NURTURE, MONDAY + timedelta(days=1))
    assert planned.sequences["welcome"].ended == reason and planned.next is None


def test_an_ended_sequence_is_never_joined_again():
    done = lead(sequences={"welcome": SequenceState(3, MONDAY, ended="completed")})
    assert plan(done, NURTURE, MONDAY + timedelta(days=30)).next is None


def test_steps_are_due_their_delay_after_enrolment_and_the_last_one_completes():
    state = lead(sequences={"welcome": SequenceState(0, MONDAY)})
    first = after_send(state, Due("welcome", 0, MONDAY), NURTURE, MONDAY)
    assert first.next == Due("welcome", 1, MONDAY + timedelta(days=2))
    state = lead(sequences=first.sequences, recent=first.recent)
    second = after_send(state, first.next, NURTURE, MONDAY + timedelta(days=2))
    assert second.next == Due("welcome", 2, MONDAY + timedelta(days=5))
    state = lead(sequences=second.sequences, recent=second.recent)
    third = after_send(state, second.next, NURTURE, MONDAY + timedelta(days=5))
    assert third.sequences["welcome"].ended == "completed" and third.next is None


def test_moving_on_twice_from_the_same_step_moves_once():
    state = lead(sequences={"welcome": SequenceState(1, MONDAY)})
    assert after_send(state, Due("welcome", 0, MONDAY), NURTURE, MONDAY).sequences["welcome"].step == 1


def test_the_frequency_cap_holds_a_step_of_another_sequence_back():
    both = lead(
        sequences={"welcome": SequenceState(1, MONDAY), "software": SequenceState(0, MONDAY)},
        recent=(MONDAY + timedelta(days=6, hours=3),),
    )
    planned = plan(both, NURTURE, MONDAY + timedelta(days=6, hours=4))
    # software's step is due on day 7 but the last mail went out 21 h before
    assert planned.next.sequence == "welcome"  # day 2: overdue, the earliest
    assert planned.next.at == MONDAY + timedelta(days=7, hours=3)


@pytest.mark.parametrize(
    "local, expected",
    [
        ((10, 0), (10, 0)),  # not quiet
        ((19, 59), (19, 59)),
        ((20, 0), (8, 0)),  # quiet: the next morning
        ((23, 30), (8, 0)),
        ((3, 0), (8, 0)),  # quiet: this morning
        ((8, 0), (8, 0)),
    ],
)
def test_quiet_hours_spanning_midnight_in_the_leads_zone(local, expected):
    at = datetime(2026, 11, 23, *local, tzinfo=BERLIN)
    result = outside_quiet_hours(at.astimezone(UTC), BERLIN, QuietHours()).astimezone(BERLIN)
    assert (result.hour, result.minute) == expected and result >= at
    assert result - at <= timedelta(hours=12)


def test_quiet_hours_within_one_day_and_none_at_all():
    lunch = QuietHours(start=time(12, 0), end=time(13, 0))
    noon = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    assert outside_quiet_hours(noon, UTC, lunch) == noon.replace(hour=13, minute=0)
    assert outside_quiet_hours(noon, UTC, QuietHours(start=time(0), end=time(0))) == noon


def test_quiet_hours_follow_the_leads_zone_and_an_unknown_zone_is_utc():
    evening_utc = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 20:30 in Berlin, 14:30 in New York
    assert plan(lead(), NURTURE, evening_utc).next.at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert plan(lead(timezone="America/New_York"), NURTURE, evening_utc).next.at == evening_utc
    assert plan(lead(timezone="Mars/Olympus"), NURTURE, evening_utc).next.at == evening_utc


def test_a_step_that_came_due_before_the_quiet_hours_waits_for_their_end():
    state = lead(sequences={"welcome": SequenceState(0, MONDAY)})
    night = MONDAY + timedelta(hours=12)  # 22:00 in Berlin
    planned = at_send_time(plan(state, NURTURE, night), state, NURTURE, night)
    assert planned.next.at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def shipped():
    return read_playbook(env={})


def test_the_shipped_welcome_sequence_has_three_steps_on_days_0_2_5():
    welcome = NURTURE.sequences["welcome"]
    assert [s.delay_days for s in welcome.steps] == [0, 2, 5]
    assert set(welcome.enrol.stages) == {"subscriber", "lead", "mql"} and welcome.exit.stage_at_least == "sql"


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda n: n["sequences"]["welcome"]["steps"][0].update(template="nope"), "nurture.sequences.welcome"),
        (lambda n: n["sequences"]["welcome"]["steps"][0].update(delay_days=9), "nurture.sequences.welcome"),
        (lambda n: n["sequences"]["welcome"]["enrol"].update(forms=["other"]), "nurture.sequences.welcome.enrol.forms"),
        (lambda n: n["sequences"]["welcome"]["enrol"].update(stages=["prospect"]), "nurture.sequences.welcome.enrol"),
        (lambda n: n["sequences"]["welcome"].update(exits={}), "nurture.sequences.welcome.exits"),
        (lambda n: n["sequences"].update({"Bad Name": n["sequences"]["welcome"]}), "nurture.sequences"),
        (lambda n: n["sending"].update(max_per_second=0), "nurture.sending.max_per_second"),
        (lambda n: n["quiet_hours"].update(start="25:00"), "nurture.quiet_hours.start"),
    ],
)
def test_a_bad_nurture_section_fails_naming_the_key(mutate, key):
    raw = shipped()
    mutate(raw["nurture"])
    with pytest.raises(PlaybookError) as raised:
        parse_playbook(raw)
    assert key in str(raised.value)
