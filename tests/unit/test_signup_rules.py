from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.capture.render import render_token
from chalicelib.capture.service import looks_like_bot
from chalicelib.capture.signup import LeadState, RateLimited, RequestMeta, plan_signup
from chalicelib.capture.validation import Submission
from chalicelib.clock import epoch
from chalicelib.playbook import load_playbook
from chalicelib.tokens import Signer

PLAYBOOK = load_playbook(env={})
FORM = PLAYBOOK.forms["demo"]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SUBMISSION = Submission(
    email="ann@example.com", profile={"first_name": "Ann", "company": ""}, attribution={"utm_source": "ads"}
)


def plan(existing, at=NOW, submission=SUBMISSION):
    return plan_signup(
        "lead1",
        existing,
        submission,
        "demo",
        FORM,
        RequestMeta(at=at, ip="192.0.2.1"),
        PLAYBOOK.double_opt_in,
        PLAYBOOK.capture,
    )


def state(**overrides):
    base = LeadState(
        lead_id="lead1",
        status="pending",
        version=3,
        profile={"first_name": "Old", "company": "ACME"},
        opt_in_requests=1,
        opt_in_requested_at=NOW - timedelta(hours=1),
        rate_window=0,
        rate_count=0,
        pending_items=2,
        expires_at=epoch(NOW + timedelta(days=6)),
    )
    return replace(base, **overrides)


def test_a_new_address_becomes_a_pending_lead_with_the_first_opt_in_request_and_a_ttl():
    write = plan(None)
    assert write.is_new and write.status == "pending" and write.opt_in_request == 1
    assert write.lead_expires_at == epoch(NOW + timedelta(days=7))
    assert write.consent.consent_version == FORM.consent.version and write.consent.ip == "192.0.2.1"


def test_a_lead_past_its_ttl_is_replaced_as_new_keeping_request_numbers_unique():
    write = plan(state(expires_at=epoch(NOW) - 1, opt_in_requests=4))
    assert write.is_new and write.expected_version == 3 and write.opt_in_request == 5


def test_pending_resubmission_inside_the_cooldown_sends_nothing_new():
    assert plan(state(opt_in_requested_at=NOW - timedelta(minutes=9))).opt_in_request is None


def test_pending_resubmission_after_the_cooldown_asks_for_a_new_mail():
    write = plan(state(opt_in_requested_at=NOW - timedelta(minutes=10)))
    assert write.opt_in_request == 2 and write.expected_version == 3


def test_resends_stop_at_the_cap():
    cap = PLAYBOOK.double_opt_in.max_resends
    assert plan(state(opt_in_requests=cap)).opt_in_request == cap + 1
    assert plan(state(opt_in_requests=cap + 1)).opt_in_request is None


def test_a_confirmed_lead_keeps_its_profile_as_stored_and_gets_no_mail():
    submission = Submission(
        email="ann@example.com", profile={"first_name": "Ann", "company": "", "country": "DE"}, attribution={}
    )
    write = plan(state(status="confirmed", expires_at=None), submission=submission)
    assert write.opt_in_request is None and write.pending_expires_at is None
    assert write.profile == {"first_name": "Old", "company": "ACME"}
    assert write.activity_data["offered_profile"] == {"first_name": "Ann", "country": "DE"}
    assert write.activity_data["form_id"] == "demo"


def test_a_pending_signup_takes_the_newer_values():
    write = plan(state())
    assert write.profile == {"first_name": "Ann", "company": "ACME"}
    assert "offered_profile" not in write.activity_data


def test_an_unsubscribed_address_signing_up_again_starts_a_new_opt_in_but_the_lead_itself_does_not_expire():
    write = plan(state(status="unsubscribed", expires_at=None, opt_in_requested_at=None))
    assert write.opt_in_request == 2 and write.lead_expires_at is None and write.pending_expires_at


def test_the_per_address_limit_raises_with_the_seconds_left_in_the_window():
    window = PLAYBOOK.capture.per_email.window_seconds
    start = epoch(NOW) // window * window
    full = state(rate_window=start, rate_count=PLAYBOOK.capture.per_email.limit)
    with pytest.raises(RateLimited) as raised:
        plan(full)
    assert raised.value.retry_after == start + window - epoch(NOW)
    assert plan(replace(full, rate_window=start - window)).rate_count == 1


def test_honeypot_and_too_fast_or_missing_render_tokens_look_like_bots():
    signer = Signer({"k1": b"key"}, "k1")
    meta = RequestMeta(at=NOW)

    def bot(**values):
        return looks_like_bot("demo", FORM, {k: [v] for k, v in values.items()}, meta, signer)

    def token(seconds_ago, form_id="demo"):
        return render_token(signer, form_id, NOW - timedelta(seconds=seconds_ago))

    assert bot(website="http://spam", _render_token=token(60))
    assert not bot(website="", _render_token=token(60))
    assert bot(_render_token=token(1))  # faster than min_fill_seconds
    assert bot()  # no token: an unsigned render time is no longer trusted
    assert bot(_render_token="garbage")
    assert bot(_render_token=token(60, "other"))
    assert bot(_render_token=render_token(Signer({"k1": b"other key"}, "k1"), "demo", NOW - timedelta(minutes=1)))
    assert bot(_render_token=token(2 * 24 * 3600))  # expired
