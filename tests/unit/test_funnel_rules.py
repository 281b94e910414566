from datetime import UTC, date, datetime

import pytest

from chalicelib.analytics.funnel import (
    InvalidRange,
    Transition,
    bucket,
    costs,
    counter_key,
    increments,
    median_seconds,
    opt_out_increments,
    parse_range,
    report,
)

AT = datetime(2026, 11, 23, tzinfo=UTC)
ATTRIBUTION = {"source": "google", "campaign": "spring", "form": "demo"}


def test_a_transition_adds_to_every_combination_of_its_attribution():
    added = increments(Transition(AT, "lead", "mql", 3600, ATTRIBUTION))
    assert len(added) == 8 and "*" in added and "source=google&campaign=spring&form=demo" in added
    assert added["*"] == {
        "in#mql": 1,
        "by#source#google#mql": 1,
        "by#campaign#spring#mql": 1,
        f"t#lead#{bucket(3600)}": 1,
    }


def test_a_jump_counts_the_stages_passed_and_a_recycling_counts_no_entry():
    assert {k for k in increments(Transition(AT, "lead", "sql", None, ATTRIBUTION))["*"] if k.startswith("in#")} == {
        "in#mql",
        "in#sql",
    }
    assert increments(Transition(AT, "sql", "lead", 60, ATTRIBUTION))["*"] == {
        "in#recycled": 1,
        f"t#sql#{bucket(60)}": 1,
    }


def test_filter_values_are_escaped_in_counter_keys():
    assert counter_key({"source": "a&b=c"}) == "source=a%26b%3Dc"
    assert counter_key({}) == "*"


@pytest.mark.parametrize("seconds", [5, 90, 3600, 86400 * 3, 86400 * 40])
def test_the_median_from_the_histogram_is_within_a_bucket(seconds):
    median = median_seconds({bucket(seconds): 3, bucket(seconds * 1000): 1, bucket(1): 1})
    assert seconds / 1.25 <= median <= seconds * 1.25


def test_spend_is_prorated_over_the_report_range_per_currency():
    spends = [
        {"amount": 300, "currency": "EUR", "from": "2026-11-01", "to": "2026-11-30"},
        {"amount": 70, "currency": "USD", "from": "2026-11-20", "to": "2026-11-26"},
    ]
    assert costs(spends, {"lead": 4, "mql": 0, "sql": 1}, date(2026, 11, 21), date(2026, 11, 22)) == [
        {"currency": "EUR", "spend": 20.0, "per_lead": 5.0, "per_mql": None, "per_sql": 20.0},
        {"currency": "USD", "spend": 20.0, "per_lead": 5.0, "per_mql": None, "per_sql": 20.0},
    ]


@pytest.mark.parametrize(
    "start,end", [("2026-11-02", "2026-11-01"), ("x", "2026-11-01"), (None, None), ("2020-01-01", "2026-01-01")]
)
def test_bad_ranges_are_refused(start, end):
    with pytest.raises(InvalidRange):
        parse_range(start, end)


def test_an_opt_out_adds_one_to_its_kind_under_every_combination_and_the_report_sums_the_days():
    added = opt_out_increments("suppressed", ATTRIBUTION)
    assert len(added) == 8 and all(counter == {"out#suppressed": 1} for counter in added.values())
    days = [{"out#unsubscribed": 2, "out#suppressed": 1}, {"out#unsubscribed": 1}]
    summed = report(days, [], date(2026, 11, 1), date(2026, 11, 2), {})
    assert summed["opted_out"] == {"unsubscribed": 3, "suppressed": 1}
