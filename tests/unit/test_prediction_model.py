"""The naive-Bayes prediction as a pure function of counters: prior,
smoothing, clamping, factor ranking, and counting that a reversal or an
erasure undoes exactly."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.playbook import load_playbook
from chalicelib.prediction.facts import bucket, lead_facts, seniority, temperature_at_mql
from chalicelib.prediction.model import (
    INSUFFICIENT,
    LOST,
    WON,
    Contribution,
    Counts,
    applied,
    band,
    counted,
    deltas,
    factors,
    predict,
    probability,
)

PLAYBOOK = load_playbook()
BANDS = {"low": 0.0, "medium": 0.25, "high": 0.5, "very_high": 0.75}


def closed(label, **facts):
    return Contribution(label, facts)


def test_with_no_facts_the_probability_is_the_smoothed_prior():
    counts = Counts(won=3, lost=7)
    assert probability({}, counts, smoothing=1.0) == (3 + 1) / (10 + 2)
    # with no outcomes at all the prior is an even chance, not a division by zero
    assert probability({}, Counts(), smoothing=1.0) == 0.5


def test_laplace_smoothing_makes_an_unseen_value_neutral_and_a_one_sided_value_finite():
    counts = counted([closed(WON, industry="software"), closed(LOST, industry="retail")] * 5)
    unseen = factors({"industry": "mining"}, counts, smoothing=1.0)[0]
    assert unseen.weight == 0 and unseen.closed == 0 and unseen.won_share == 0.5
    software = factors({"industry": "software"}, counts, smoothing=1.0)[0]
    # P(software | won) = (5 + 1) / (5 + 1 * (2 values seen + 1)); P(software | lost) = 1 / 8
    assert math.isclose(software.weight, math.log((6 / 8) / (1 / 8)))
    assert math.isclose(software.won_share, 6 / 7) and software.closed == 5


def test_probability_is_clamped_to_one_and_ninety_nine_percent():
    winners = counted([closed(WON, a="x", b="y", c="z")] * 500 + [closed(LOST, a="q", b="r", c="s")] * 500)
    assert probability({"a": "x", "b": "y", "c": "z"}, winners, 1.0) == 0.99
    assert probability({"a": "q", "b": "r", "c": "s"}, winners, 1.0) == 0.01


def test_factors_are_the_three_strongest_and_three_weakest_each_with_its_won_share():
    rows = []
    for n, (w, lo) in enumerate([(9, 1), (8, 2), (7, 3), (5, 5), (3, 7), (2, 8), (1, 9)]):
        rows += [closed(WON, **{f"f{n}": "v"})] * w + [closed(LOST, **{f"f{n}": "v"})] * lo
    counts = counted(rows)
    lead = {f"f{n}": "v" for n in range(7)}
    shown = predict(lead, counts, smoothing=1.0, min_outcomes=1, bands=BANDS)["factors"]
    assert [f["fact"] for f in shown["strongest"]] == ["f0", "f1", "f2"]
    assert [f["fact"] for f in shown["weakest"]] == ["f6", "f5", "f4"]
    assert shown["strongest"][0]["won_share"] == round(10 / 12, 4) and shown["strongest"][0]["closed"] == 10
    # the middle fact, neither way, is in neither list
    assert "f3" not in {f["fact"] for f in shown["strongest"] + shown["weakest"]}


def test_a_lead_with_few_facts_lists_each_fact_once():
    counts = counted([closed(WON, a="1", b="1"), closed(LOST, a="2", b="2")])
    shown = predict({"a": "1", "b": "2"}, counts, smoothing=1.0, min_outcomes=1, bands=BANDS)["factors"]
    assert [f["fact"] for f in shown["strongest"]] == ["a", "b"] and shown["weakest"] == []


def test_below_min_outcomes_there_is_no_number_only_insufficient_data():
    counts = counted([closed(WON, a="1")] * 30 + [closed(LOST, a="2")] * 19)
    early = predict({"a": "1"}, counts, smoothing=1.0, min_outcomes=50, bands=BANDS)
    assert early == {"status": INSUFFICIENT, "closed_outcomes": 49, "min_outcomes": 50}
    enough = predict(
        {"a": "1"}, applied(counts, deltas(None, closed(LOST, a="2"))), smoothing=1.0, min_outcomes=50, bands=BANDS
    )
    assert enough["status"] == "predicted" and 0.5 < enough["probability"] <= 0.99 and enough["band"] == "very_high"


def test_bands_take_the_highest_lower_bound_reached():
    assert [band(p, BANDS) for p in (0.01, 0.25, 0.49, 0.5, 0.99)] == ["low", "medium", "medium", "high", "very_high"]


def test_a_reversal_moves_a_lead_between_classes_and_cancelling_pairs_cost_no_write():
    before = closed(LOST, industry="software", size="51-200")
    after = closed(WON, industry="software", size="201-1000")
    change = deltas(before, after)
    assert change.prior == (1, -1)
    assert change.values == {
        ("industry", "software"): (1, -1),
        ("size", "51-200"): (0, -1),
        ("size", "201-1000"): (1, 0),
    }
    same = deltas(before, before)
    assert same.prior == (0, 0) and same.values == {}


facts = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["x", "y", "z"]), max_size=4)
contributions = st.builds(Contribution, st.sampled_from([WON, LOST]), facts)


@settings(derandomize=True, max_examples=200)
@given(st.lists(contributions, max_size=12), contributions, contributions)
def test_counting_then_reversing_then_erasing_leaves_the_counters_as_they_were(others, first, later):
    base = counted(others)
    counts = applied(base, deltas(None, first))
    counts = applied(counts, deltas(first, later))  # the outcome reversed
    assert counts == counted([*others, later])  # same as if it had always been the later outcome
    assert applied(counts, deltas(later, None)) == base  # erased: nothing of it is left


def test_facts_from_a_lead_are_categories_from_profile_and_bucketed_behaviour():
    lead = {
        "email": "ann@GMX.de",
        "form_id": "demo",
        "profile": {"country": "DE", "company_size": "51-200", "industry": "software", "job_title": "Head of IT"},
        "attribution": {"utm_source": "LinkedIn"},
        "confirmed_at": "2026-11-01T09:00:00+00:00",
    }
    activities = [
        {"type": "page_view", "at": "2026-11-02T09:00:00+00:00"},
        {"type": "page_view", "at": "2026-11-03T09:00:00+00:00"},
        {"type": "page_view", "at": "2026-11-04T09:00:00+00:00", "flagged": "scanner"},
        {"type": "page_view", "at": "2026-11-20T09:00:00+00:00"},  # after the first 14 days
        {"type": "webinar_attended", "at": "2026-11-05T09:00:00+00:00"},
    ]
    changes = [
        {"at": "2026-11-01T09:00:00+00:00", "to_stage": "lead", "score": 5},
        {"at": "2026-11-05T09:00:00+00:00", "to_stage": "sql", "score": 75},
    ]
    found = lead_facts(lead, activities, changes, PLAYBOOK.prediction, PLAYBOOK.scoring)
    assert found["country"] == "DE" and found["company_size"] == "51-200" and found["industry"] == "software"
    assert found["source"] == "linkedin" and found["form"] == "demo"
    assert found["free_mail"] == "yes" and found["seniority"] == "director"
    assert found["activity:page_view"] == "2-3" and found["activity:webinar_attended"] == "1"
    assert found["activity:pricing_page_view"] == "0"
    assert found["temperature_at_mql"] == "hot"  # skipped mql with 75 points
    assert set(found) == set(PLAYBOOK.prediction.fact_names())


def test_missing_facts_are_named_none_and_never_the_raw_absence():
    found = lead_facts({"email": "bob@acme.example"}, [], [], PLAYBOOK.prediction, PLAYBOOK.scoring)
    assert found["country"] == "(none)" and found["source"] == "(none)" and found["seniority"] == "(none)"
    assert found["temperature_at_mql"] == "(never)" and found["free_mail"] == "no"
    assert found["activity:page_view"] == "0"


def test_buckets_and_seniority_words():
    assert [bucket(n) for n in (0, 1, 2, 3, 4, 40)] == ["0", "1", "2-3", "2-3", "4+", "4+"]
    levels = PLAYBOOK.prediction.seniority
    assert seniority("CTO & co-founder", levels) == "c_level"
    assert seniority("Contractor", levels) == "other"  # whole words: CTO is not in Contractor
    assert temperature_at_mql([{"at": "x", "to_stage": "mql", "score": 45}], PLAYBOOK.scoring) == "warm"


@settings(derandomize=True, max_examples=100)
@given(st.lists(contributions, max_size=10), st.lists(contributions, max_size=10))
def test_the_rebuilds_corrections_turn_any_counters_into_the_recounted_ones(drifted, truth):
    from chalicelib.prediction.model import difference

    current, target = counted(drifted), counted(truth)
    assert applied(current, difference(target, current)) == target


def test_calibration_counts_the_band_a_lead_closed_in_and_a_reversal_moves_it():
    from chalicelib.prediction.model import calibration_deltas, calibration_table

    lost = {"label": LOST, "predicted_band": "high", "outcome_at": "2026-11-02T10:00:00+00:00"}
    won = {"label": WON, "predicted_band": "high", "outcome_at": "2026-11-09T10:00:00+00:00"}
    unbanded = {"label": WON, "outcome_at": "2026-11-09T10:00:00+00:00"}
    assert calibration_deltas(None, lost) == {"2026-11-02": {"high#lost": 1}}
    assert calibration_deltas(lost, won) == {"2026-11-02": {"high#lost": -1}, "2026-11-09": {"high#won": 1}}
    assert calibration_deltas(None, unbanded) == {}
    table = calibration_table([{"high#won": 3, "high#lost": 1}, {"low#lost": 2}], BANDS)
    assert [(r["band"], r["closed"], r["won_share"]) for r in table] == [
        ("low", 2, 0.0),
        ("medium", 0, None),
        ("high", 4, 0.75),
        ("very_high", 0, None),
    ]
    assert table[-1]["predicted"] == {"from": 0.75, "to": 1.0}
