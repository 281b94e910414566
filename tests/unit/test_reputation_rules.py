"""The sending guard's rules on plain data: which scopes a mail counts in,
rates only from the minimum volume on, and judging only what came after a
resume."""

from datetime import UTC, date, datetime

from chalicelib.playbook.reputation import Reputation
from chalicelib.reputation.figures import Figures, attribute, provider, scopes_of
from chalicelib.reputation.guard import crossing, judged, window


def test_a_mail_counts_for_the_account_its_kind_its_sequence_and_its_provider():
    assert scopes_of({"kind": "nurture", "sequence": "welcome"}, "Ann@GMAIL.com") == [
        "all",
        "kind:nurture",
        "domain:gmail.com",
        "sequence:welcome",
    ]
    assert scopes_of({"kind": "rep_assignment"}, "rep@acme.example") == ["all", "kind:rep", "domain:other"]
    assert scopes_of({}, "x@web.de") == ["all", "kind:other", "domain:web.de"]
    assert provider("ann@mail.gmail.com.evil.example") == "other"


def test_no_rate_is_claimed_below_the_minimum_volume():
    rules = Reputation(min_volume=500)
    assert crossing(Figures(sends=499, hard_bounces=499), rules) == []
    assert crossing(Figures(sends=500, hard_bounces=15), rules) == ["bounce rate 3.00% >= 3.00%"]
    assert crossing(Figures(sends=500, hard_bounces=14), rules) == []
    assert crossing(Figures(sends=2000, complaints=1), rules) == ["complaint rate 0.050% >= 0.050%"]
    # soft bounces are not what SES counts
    assert crossing(Figures(sends=1000, soft_bounces=900), rules) == []


def test_calm_means_below_half_the_thresholds():
    rules = Reputation(min_volume=10)
    assert crossing(Figures(sends=200, hard_bounces=3), rules, 0.5) == ["bounce rate 1.50% >= 1.50%"]
    assert crossing(Figures(sends=201, hard_bounces=3), rules, 0.5) == []


def day(on, **counts):
    return {"day": on, **{attribute("all", metric): n for metric, n in counts.items()}}


def test_after_a_resume_only_what_came_after_it_is_judged():
    days = [day("2026-11-20", sends=100, hard_bounces=50), day("2026-11-23", sends=30, hard_bounces=9)]
    first = date(2026, 11, 17)
    assert judged(days, "all", None, first) == Figures(sends=130, hard_bounces=59)
    since = {"day": "2026-11-23", "baseline": {"sends": 20, "hard_bounces": 9}}
    assert judged(days, "all", since, first) == Figures(sends=10, hard_bounces=0)
    # a resume before the window: the window alone decides
    long_ago = {"day": "2026-10-01", "baseline": {"sends": 1000}}
    assert judged(days, "all", long_ago, first) == Figures(sends=130, hard_bounces=59)


def test_the_window_ends_today_and_spans_the_playbooks_days():
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert window(now, Reputation(window_days=7)) == (date(2026, 11, 17), date(2026, 11, 23))
