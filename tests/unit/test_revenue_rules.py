"""The revenue arithmetic and the outcome details, on plain data."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.analytics.funnel import bucket, quantile_seconds
from chalicelib.analytics.revenue import SalesEvent, increments, lifetime_cents, money, report
from chalicelib.playbook import parse_playbook, read_playbook
from chalicelib.playbook.outcomes import Outcomes
from chalicelib.routing.deal import InvalidDetails, outcome_details

AT = datetime(2026, 11, 23, 12, tzinfo=UTC)
DAY = AT.date()
ATTRIBUTION = {"source": "google", "campaign": "spring", "form": "demo"}
RULES = Outcomes(reason_required=("disqualified",))


def won(value="100", currency="EUR", at=AT, **more):
    return SalesEvent("outcome", at, "won", {"value": value, "currency": currency, **more})


def counters_of(*events, signed_up=AT - timedelta(days=1)):
    """What the day items of the unfiltered key hold after these events."""
    item: dict[str, int] = {}
    for event, sign in events:
        for name, n in increments(event, signed_up, ATTRIBUTION, sign)["*"].items():
            item[name] = item.get(name, 0) + n
    return [item]


def test_recurring_value_is_the_value_per_period_times_the_expected_months():
    assert lifetime_cents({"value": "1200.5", "currency": "EUR"}) == 120050
    assert lifetime_cents({"value": "100", "recurring": "monthly", "expected_months": 24}) == 240000
    # 900 a year for 18 months: a year and a half
    assert lifetime_cents({"value": "900", "recurring": "yearly", "expected_months": 18}) == 135000
    # 100.01 a year for 7 months rounds to the cent
    assert lifetime_cents({"value": "100.01", "recurring": "yearly", "expected_months": 7}) == 5834


def test_roi_average_lifetime_value_and_cpl_to_clv_per_currency():
    totals = {"won#EUR": 2, "one_off#EUR": 100000, "recurring#EUR": 300000, "won#USD": 1, "one_off#USD": 5000}
    spent = [{"currency": "EUR", "spend": 1000.0, "per_lead": 50.0}]
    eur, usd = money(totals, spent)
    assert (eur["currency"], eur["revenue"], eur["average_lifetime_value"]) == ("EUR", 4000.0, 2000.0)
    assert eur["roi"] == 3.0  # (4000 - 1000) / 1000
    assert eur["cpl_to_clv"] == 0.025  # 50 per lead against 2000 a customer
    # no USD spend: no ROI, and the EUR spend is never set against USD revenue
    assert (usd["revenue"], usd["spend"], usd["roi"], usd["cpl_to_clv"]) == (50.0, None, None, None)


def test_spend_without_revenue_is_a_loss_of_everything():
    [row] = money({}, [{"currency": "EUR", "spend": 300.0, "per_lead": 10.0}])
    assert (row["revenue"], row["roi"], row["average_lifetime_value"], row["cpl_to_clv"]) == (0.0, -1.0, None, None)


def test_sums_stay_per_currency_across_days_and_a_win_taken_back_subtracts():
    counters = counters_of((won("10.10"), 1), (won("5", "USD"), 1), (won("0.90"), 1), (won("99"), 1), (won("99"), -1))
    [total] = [report(counters, [], DAY, DAY, {})["total"]]
    rows = {row["currency"]: (row["revenue"], row["customers"]) for row in total["money"]}
    assert rows == {"EUR": (11.0, 2), "USD": (5.0, 1)}
    assert total["customers"] == 3 and total["lead_to_customer"]["customers_timed"] == 3


def test_histogram_median_and_p90():
    # 9 customers after about a day, 1 after about 30 days
    histogram = {bucket(86400): 9, bucket(30 * 86400): 1}
    median, p90 = quantile_seconds(histogram, 0.5), quantile_seconds(histogram, 0.9)
    assert 86400 / 1.25 <= median <= 86400 * 1.25
    assert 86400 / 1.25 <= p90 <= 86400 * 1.25  # the 9th of 10 is still a one-day one
    assert 30 * 86400 / 1.25 <= quantile_seconds(histogram, 0.95) <= 30 * 86400 * 1.25
    assert quantile_seconds({}, 0.5) is None
    assert quantile_seconds({bucket(60): 0, bucket(3600): 2}, 0.5) is not None  # a bucket emptied by a take-back


@given(st.lists(st.floats(min_value=1, max_value=1e8), min_size=1, max_size=50))
def test_the_histogram_median_is_within_a_bucket_of_the_true_median(durations):
    histogram: dict[int, int] = {}
    for seconds in durations:
        histogram[bucket(seconds)] = histogram.get(bucket(seconds), 0) + 1
    ordered = sorted(durations)
    low, high = ordered[(len(ordered) - 1) // 2], ordered[len(ordered) // 2]
    assert low / 1.25 - 1e-6 <= quantile_seconds(histogram, 0.5) <= high * 1.25 + 1e-6


def test_acceptance_rate_reasons_shares_and_no_lead_in_any_counter():
    events = [(SalesEvent("accepted", AT), 1)] * 3 + [(SalesEvent("declined", AT), 1)]
    events += [(SalesEvent("outcome", AT, "disqualified", {"reason": "no_fit"}), 1)] * 3
    events += [(SalesEvent("outcome", AT, "disqualified", {"reason": "bad_data"}), 1)]
    total = report(counters_of(*events), [], DAY, DAY, {})["total"]
    assert total["sql_acceptance"] == {"accepted": 3, "declined": 1, "rate": 0.75}
    assert total["reasons"]["disqualified"] == [
        {"reason": "no_fit", "count": 3, "share": 0.75},
        {"reason": "bad_data", "count": 1, "share": 0.25},
    ]
    keys = increments(won(), AT, ATTRIBUTION)
    assert len(keys) == 8 and all(name.startswith("rv#") for item in keys.values() for name in item)


def test_spend_is_set_against_all_leads_or_one_campaign_never_a_source():
    counters = [{"in#lead": 4, "by#campaign#spring#lead": 4, **counters_of((won("1000"), 1))[0]}]
    spends = [{"campaign": "spring", "amount": 400, "currency": "EUR", "from": "2026-11-23", "to": "2026-11-23"}]
    unfiltered = report(counters, spends, DAY, DAY, {})
    assert unfiltered["total"]["money"][0]["cost_per_lead"] == 100.0
    assert unfiltered["by_campaign"][0]["money"][0]["roi"] == 1.5
    assert report(counters, spends, DAY, DAY, {"source": "google"})["total"]["money"][0]["spend"] is None


@pytest.mark.parametrize(
    "outcome, fields, kept",
    [
        ("won", {}, {}),
        ("won", {"value": "1200.50", "currency": "EUR", "reason": ""}, {"value": "1200.50", "currency": "EUR"}),
        ("won", {"value": 99, "currency": "JPY"}, {"value": "99", "currency": "JPY"}),
        ("won", {"value": "1e3", "currency": "EUR"}, {"value": "1000", "currency": "EUR"}),
        (
            "won",
            {"value": "49.9", "currency": "EUR", "recurring": "monthly", "expected_months": "12"},
            {"value": "49.9", "currency": "EUR", "recurring": "monthly", "expected_months": 12},
        ),
        ("opportunity", {"value": 5000, "currency": "USD"}, {"value": "5000", "currency": "USD"}),
        ("lost", {}, {}),
        ("lost", {"reason": "competitor"}, {"reason": "competitor"}),
        ("disqualified", {"reason": "no_budget", "note": "next year"}, {"reason": "no_budget", "note": "next year"}),
    ],
)
def test_outcome_details_kept(outcome, fields, kept):
    assert outcome_details(outcome, fields, RULES) == kept


@pytest.mark.parametrize(
    "outcome, fields, bad",
    [
        ("won", {"value": "0", "currency": "EUR"}, {"value"}),
        ("won", {"value": "NaN", "currency": "EUR"}, {"value"}),
        ("won", {"value": "1.001", "currency": "EUR"}, {"value"}),
        ("won", {"value": "1.5", "currency": "JPY"}, {"value"}),
        ("won", {"value": "10", "currency": "XAU"}, {"currency"}),
        ("won", {"currency": "EUR"}, {"value"}),
        ("won", {"value": "10", "currency": "EUR", "expected_months": 0, "recurring": "monthly"}, {"expected_months"}),
        ("won", {"recurring": "monthly", "expected_months": 3}, {"value"}),
        ("recycle", {"value": "10", "currency": "EUR"}, {"value", "currency"}),
        ("disqualified", {}, {"reason"}),
        ("lost", {"reason": "weather"}, {"reason"}),
        ("lost", {"note": "call back\u202e"}, {"note"}),
    ],
)
def test_outcome_details_refused(outcome, fields, bad):
    with pytest.raises(InvalidDetails) as refused:
        outcome_details(outcome, fields, RULES)
    assert set(refused.value.errors) == bad


def test_the_playbook_names_reasons_and_which_outcomes_need_one():
    raw = read_playbook()
    assert parse_playbook(raw).outcomes.reason_required == ("disqualified",)
    with pytest.raises(Exception, match="outcomes"):
        parse_playbook({**raw, "outcomes": {"reasons": ["No Budget"]}})
    with pytest.raises(Exception, match="outcomes"):
        parse_playbook({**raw, "outcomes": {"reason_required": ["won"]}})
