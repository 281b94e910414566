"""Routing rules on plain data: pools, coverage, availability, the order in
which reps are tried, and the speed-to-lead histogram."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chalicelib.playbook.routing import Routing
from chalicelib.routing.reps import Rep, RepInput
from chalicelib.routing.rules import LeadFacts, lead_facts, pool_for, targets, unavailable, why_nobody
from chalicelib.routing.speed import accepted_counters, bucket, report, upper_edge
from chalicelib.safe_text import one_line, slack_escaped

MONDAY_10_BERLIN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROUTING = Routing.model_validate(
    {
        "rules": [
            {"name": "dach", "match": {"countries": ["DE", "AT"]}, "pool": "dach"},
            {"name": "big", "match": {"company_sizes": ["1000+"], "sources": ["linkedin"]}, "pool": "enterprise"},
        ],
        "fallback_pool": "inbound",
        "default_owner": "boss",
    }
)
DE = LeadFacts(country="DE", company_size="51-200", industry="software")


def rep(rep_id, **fields):
    return Rep(
        **{
            "rep_id": rep_id,
            "name": rep_id,
            "email": f"{rep_id}@x.example",
            "capacity": 5,
            "pools": ("dach",),
            **fields,
        }
    )


def test_the_first_matching_rule_names_the_pool_and_all_its_conditions_must_hold():
    assert pool_for(DE, ROUTING) == "dach"
    assert pool_for(LeadFacts(country="US", company_size="1000+", source="linkedin"), ROUTING) == "enterprise"
    assert pool_for(LeadFacts(country="US", company_size="1000+", source="google"), ROUTING) is None


def test_source_is_the_utm_source_or_else_the_form():
    assert lead_facts({"country": "DE"}, {"utm_source": "linkedin"}, "demo").source == "linkedin"
    assert lead_facts({}, {}, "demo") == LeadFacts(source="demo")


def test_reps_with_more_room_come_first_and_equal_reps_alternate_by_last_assignment():
    reps = [
        rep("ann", open_count=1, last_assigned_at="2026-11-23T08:00"),
        rep("bob", open_count=1, last_assigned_at="2026-11-23T07:00"),
        rep("cid", open_count=4),
    ]
    assert [t.rep.rep_id for t in targets(reps, DE, ROUTING, MONDAY_10_BERLIN)] == ["bob", "ann", "cid"]


@pytest.mark.parametrize(
    "fields, why",
    [
        ({"out_of_office": True}, "out of office"),
        ({"open_count": 5}, "full"),
        (
            {"working_hours": {"timezone": "Europe/Berlin", "days": ["mon"], "start": "11:00", "end": "17:00"}},
            "outside working hours",
        ),
        (
            {"working_hours": {"timezone": "America/New_York", "days": ["mon"], "start": "09:00", "end": "17:00"}},
            "outside working hours",
        ),  # 04:00 in New York
        (
            {"working_hours": {"timezone": "Europe/Berlin", "days": ["tue"], "start": "09:00", "end": "17:00"}},
            "outside working hours",
        ),
    ],
)
def test_unavailable_reps_are_skipped(fields, why):
    absent = rep("ann", **fields)
    assert unavailable(absent, MONDAY_10_BERLIN) == why
    assert [t.rep.rep_id for t in targets([absent, rep("bob")], DE, ROUTING, MONDAY_10_BERLIN)] == ["bob"]


def test_coverage_filters_and_nobody_eligible_falls_back_then_to_the_default_owner():
    reps = [
        rep("ann", territories=("AT",)),
        rep("bob", industries=("retail",)),
        rep("fay", pools=("inbound",)),
        rep("boss", pools=(), capacity=0, out_of_office=True),
    ]
    order = [(t.rep.rep_id, t.how) for t in targets(reps, DE, ROUTING, MONDAY_10_BERLIN)]
    assert order == [("fay", "fallback:inbound"), ("boss", "default owner")]
    assert [
        t.rep.rep_id for t in targets(reps, DE, ROUTING, MONDAY_10_BERLIN, frozenset({"fay"}), default_owner_only=True)
    ] == ["boss"]


def test_rep_input_needs_a_secret_with_a_webhook_and_valid_hours():
    base = {"name": "Ann", "email": "ann@x.example", "capacity": 3}
    assert RepInput.model_validate(base).stored()["working_hours"] is None
    with pytest.raises(ValidationError):
        RepInput.model_validate({**base, "webhook_url": "https://hooks.example/a"})
    with pytest.raises(ValidationError):
        RepInput.model_validate({**base, "working_hours": {"timezone": "UTC", "start": "18:00", "end": "09:00"}})


def test_histogram_buckets_are_within_ten_percent_and_the_report_sums_days():
    for seconds in (0.05, 1, 59, 300, 3600 * 30):
        assert seconds <= upper_edge(bucket(seconds)) <= seconds * 1.1 + 0.01
    day1 = {"sqls": 2, **accepted_counters("2026-11-23T09:00:00.000Z", None, "2026-11-23T09:04:00.000Z")}
    day2 = {"sqls": 2, **accepted_counters("2026-11-24T09:00:00.000Z", None, "2026-11-24T11:00:00.000Z")}
    body = report([day1, day2], "2026-11-23", "2026-11-24")
    assert (body["sqls"], body["accepted"], body["accepted_within_5_minutes"], body["accepted_within_1_hour"]) == (
        4,
        2,
        0.25,
        0.25,
    )
    assert 240 <= body["sql_to_accepted"]["median_seconds"] <= 264
    assert 7200 <= body["sql_to_accepted"]["p90_seconds"] <= 7920


def test_a_rep_without_pools_serves_the_fallback_pool_only():
    poolless = rep("pia", pools=())
    assert [(t.rep.rep_id, t.how) for t in targets([poolless], DE, ROUTING, MONDAY_10_BERLIN)] == [
        ("pia", "fallback:inbound")
    ]
    no_fallback = ROUTING.model_copy(update={"fallback_pool": None})
    assert targets([poolless], DE, no_fallback, MONDAY_10_BERLIN) == []


def test_why_nobody_names_each_pool_and_the_default_owner():
    reps = [rep("ann", open_count=5), rep("bob", out_of_office=True), rep("cid", territories=("FR",))]
    assert why_nobody(reps, DE, ROUTING, MONDAY_10_BERLIN) == (
        "pool dach: ann full, bob out of office, cid does not cover the lead; "
        "fallback pool inbound: no reps; default owner boss is not a rep"
    )
    us = LeadFacts(country="US")
    assert why_nobody([rep("boss")], us, ROUTING, MONDAY_10_BERLIN, frozenset({"boss"})).endswith(
        "no routing rule matches; fallback pool inbound: no reps; default owner boss already had it"
    )


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Acme\r\nBcc: x@y.example", "Acme Bcc: x@y.example"),
        ("Acme\x85GmbH", "Acme GmbH"),
        ("a\u2028b\u2029c", "a b c"),
        ("\u202eevil\u202c \u2066x\u2069", "evil x"),
        ("  tab\there\x00\x1b\x9b ", "tab here"),
        ("Jürgen Müller", "Jürgen Müller"),
    ],
)
def test_one_line_turns_breaks_and_controls_into_a_space_and_drops_direction_controls(raw, clean):
    assert one_line(raw) == clean


def test_slack_escaping_leaves_no_angle_brackets_and_escapes_ampersands_first():
    assert slack_escaped("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
    assert slack_escaped("&lt;") == "&amp;lt;"
