"""The scoring function and the stage rule on plain data."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.clock import iso
from chalicelib.playbook import PlaybookError, load_playbook, parse_playbook
from chalicelib.scoring.plan import ScoredLead, plan_rescore, stored_form
from chalicelib.scoring.rules import Activity, score, scoring_profile
from chalicelib.scoring.stages import (
    STAGES,
    InvalidOutcome,
    first_hand_raiser,
    rank,
    stage_by_sales_outcome,
    stage_by_scoring,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLAYBOOK = load_playbook()
SCORING = PLAYBOOK.scoring
HAND_RAISERS = PLAYBOOK.activities.hand_raisers()
GOOD_FIT = {"company_size": "51-200", "industry": "software", "country": "DE", "job_title": "Head of Sales"}


def act(kind, minutes_ago=0, flagged=None, source=None, **data):
    return Activity(kind, NOW - timedelta(minutes=minutes_ago), flagged, source, data or None)


def stage_after(current, profile, activities):
    result = score(profile, activities, SCORING, NOW)
    change = stage_by_scoring(current, result, first_hand_raiser(activities, HAND_RAISERS), SCORING.stages)
    return change.to_stage if change else current


def test_the_shipped_example_a_fitting_lead_asking_for_a_demo_is_an_sql():
    profile = scoring_profile(GOOD_FIT, "ann@acme.example")
    assert stage_after("lead", profile, [act("form_submitted", 5), act("demo_request")]) == "sql"


def test_the_shipped_example_without_the_demo_request_and_one_page_view_stays_below_sql():
    profile = scoring_profile(GOOD_FIT, "ann@acme.example")
    activities = [act("form_submitted", 5), act("page_view")]
    assert rank(stage_after("lead", profile, activities)) < rank("sql")
    assert score(profile, activities, SCORING, NOW).total < SCORING.stages.sql.score


def test_fit_rules_equals_in_range_and_contains_each_match_case_insensitively():
    result = score(GOOD_FIT | {"job_title": "head of it"}, [], SCORING, NOW)
    assert {c.rule for c in result.breakdown} == {
        "company_size_51_plus",
        "industry_software",
        "country_dach",
        "decision_maker",
    }
    assert result.fit == 55


@pytest.mark.parametrize("title", ["Contractor", "Headhunter", "Factory worker", "Doctor"])
def test_decision_maker_words_inside_other_words_earn_no_fit(title):
    assert "decision_maker" not in {c.rule for c in score({"job_title": title}, [], SCORING, NOW).breakdown}


@pytest.mark.parametrize("title", ["CTO", "cto, co-founder", "Head of Sales", "VP Marketing", "Geschäftsführerin"])
def test_decision_maker_titles_match_as_whole_words_in_any_case(title):
    assert "decision_maker" in {c.rule for c in score({"job_title": title}, [], SCORING, NOW).breakdown}


def test_contains_text_matches_substrings_for_rules_that_mean_parts_of_words():
    rules = parse_playbook(
        {
            **_raw(),
            "scoring": {
                "fit": [
                    {"name": "lead_role", "field": "job_title", "contains_text": "leiter", "points": 9},
                    {"name": "c_level", "field": "job_title", "contains": ["CEO", "Chief Executive"], "points": 4},
                ]
            },
        }
    ).scoring
    assert score({"job_title": "Vertriebsleiter"}, [], rules, NOW).fit == 9
    assert score({"job_title": "Chief Executive Officer"}, [], rules, NOW).fit == 4
    assert score({"job_title": "Chief Executives' assistant"}, [], rules, NOW).fit == 0


def test_range_reads_the_lower_bound_of_a_band_and_plain_numbers():
    assert {c.rule for c in score({"company_size": "1000+"}, [], SCORING, NOW).breakdown} == {"company_size_51_plus"}
    assert {c.rule for c in score({"company_size": 51}, [], SCORING, NOW).breakdown} == {"company_size_51_plus"}
    assert score({"company_size": "1-10"}, [], SCORING, NOW).fit == 0


def test_free_mail_and_competitor_domains_cost_points():
    assert score(scoring_profile({}, "x@GMAIL.com"), [], SCORING, NOW).fit == -15
    assert score(scoring_profile({}, "spy@competitor.example"), [], SCORING, NOW).fit == -50


def test_contains_on_a_list_matches_elements():
    rules = parse_playbook(
        {
            **_raw(),
            "scoring": {"fit": [{"name": "wants_scoring", "field": "interests", "contains": "scoring", "points": 7}]},
        }
    ).scoring
    assert score({"interests": ["capture", "Scoring"]}, [], rules, NOW).fit == 7
    assert score({"interests": ["scoringx"]}, [], rules, NOW).fit == 0


def test_breakdown_sums_to_the_score_and_names_the_caps_that_cut():
    activities = [act("page_view", i) for i in range(30)] + [act("pricing_page_view", i) for i in range(5)]
    result = score({}, activities, SCORING, NOW)
    parts = {c.rule: c.points for c in result.breakdown}
    assert parts["page_view"] <= 10 and parts["pricing_page_view"] <= 16
    assert parts["group:web"] < 0
    assert round(sum(parts.values())) == result.total == result.engagement == 25


def test_flagged_hits_and_unknown_types_earn_nothing():
    result = score({}, [act("email_click", flagged="scanner user agent"), act("no_such_type")], SCORING, NOW)
    assert result.total == 0 and result.breakdown == ()


def test_repeated_opens_of_one_mail_count_once_and_each_mail_counts():
    same_mail = [act("email_open", m, mail_id="m-1") for m in (1, 30, 600)]
    assert score({}, same_mail, SCORING, NOW).engagement == 1
    assert score({}, [*same_mail, act("email_open", 5, mail_id="m-2")], SCORING, NOW).engagement == 2


def test_reopening_an_old_mail_renews_its_point_but_adds_none():
    month = 30 * 24 * 60
    opened_long_ago = [act("email_open", month, mail_id="m-1")]
    assert score({}, opened_long_ago, SCORING, NOW).breakdown[0].points == 0.5
    assert score({}, [*opened_long_ago, act("email_open", 0, mail_id="m-1")], SCORING, NOW).breakdown[0].points == 1


def test_a_form_scores_once_a_day_however_often_it_is_posted():
    day = 24 * 60
    posts = [act("form_submitted", m, source="form", form_id="demo") for m in (0, 1, 2, 3, 60)]
    assert score({}, posts, SCORING, NOW).breakdown[0].points == 5
    yesterday = act("form_submitted", day, source="form", form_id="demo")
    other_form = act("form_submitted", 1, source="form", form_id="webinar")
    parts = score({}, [*posts, yesterday, other_form], SCORING, NOW).breakdown
    assert parts[0].detail.startswith("3×")


def test_half_life_halves_engagement():
    fresh = score({}, [act("whitepaper_download")], SCORING, NOW).engagement
    old = score({}, [act("whitepaper_download", 30 * 24 * 60)], SCORING, NOW).engagement
    assert (fresh, old) == (10, 5)


def test_activities_older_than_the_window_are_left_out():
    assert score({}, [act("demo_request", 366 * 24 * 60)], SCORING, NOW).engagement == 0


def test_temperature_follows_the_bands():
    assert score({}, [], SCORING, NOW).temperature == "cold"
    assert score(GOOD_FIT, [], SCORING, NOW).temperature == "warm"
    assert score(GOOD_FIT, [act("demo_request")], SCORING, NOW).temperature == "hot"


def test_changes_at_is_when_the_rounded_score_first_drops():
    activities = [act("demo_request")]
    result = score(GOOD_FIT, activities, SCORING, NOW)  # 55 + 30 = 85
    moment = result.changes_at
    assert moment is not None and moment > NOW
    assert score(GOOD_FIT, activities, SCORING, moment).total == 84
    assert score(GOOD_FIT, activities, SCORING, moment - timedelta(seconds=3)).total == 85


def test_a_score_below_every_band_is_still_rescheduled_as_it_decays():
    # 9 points sit below every band and threshold: they used to stay stored
    # for good while the true value fell to 2.6 in eight weeks
    activities = [act("form_submitted", source="form", form_id="demo"), act("email_click"), act("email_open")]
    result = score({}, activities, SCORING, NOW)
    assert result.total == 9 and result.temperature == "cold"
    assert result.changes_at is not None and result.changes_at < NOW + timedelta(days=3)


def test_an_activity_leaving_the_window_is_a_change_too():
    old = [act("webinar_attended", 300 * 24 * 60)]
    rules = parse_playbook(
        {**_raw(), "scoring": {"engagement": {"points": {"webinar_attended": 15}, "half_life_days": 100000}}}
    ).scoring
    result = score({}, old, rules, NOW)  # decays too slowly to change the rounded 15 within the window
    assert result.engagement == 15 and result.changes_at == NOW + timedelta(days=65, seconds=1)
    assert score({}, old, rules, result.changes_at).engagement == 0


def test_nothing_to_decay_means_no_rescore():
    assert score(GOOD_FIT, [], SCORING, NOW).changes_at is None


def test_a_hand_raiser_with_poor_fit_is_not_an_sql():
    profile = scoring_profile({}, "kid@gmail.com")
    assert stage_after("lead", profile, [act("demo_request")]) == "lead"


def test_scoring_never_moves_past_sql_nor_back():
    profile = scoring_profile(GOOD_FIT, "ann@acme.example")
    assert stage_after("opportunity", profile, [act("demo_request")]) == "opportunity"
    assert stage_after("sql", profile, []) == "sql"
    assert stage_after("mql", {}, []) == "mql"


def test_sales_outcomes_are_the_only_way_past_sql_or_back():
    assert stage_by_sales_outcome("sql", "opportunity").to_stage == "opportunity"
    assert stage_by_sales_outcome("opportunity", "won").to_stage == "customer"
    assert stage_by_sales_outcome("sql", "recycle", "no budget").reason == "sales outcome recycle: no budget"
    with pytest.raises(InvalidOutcome):
        stage_by_sales_outcome("lead", "won")
    with pytest.raises(InvalidOutcome):
        stage_by_sales_outcome("sql", "maybe")


def _raw():
    return PLAYBOOK.model_dump(mode="json", by_alias=True)


@pytest.mark.parametrize(
    "scoring, message",
    [
        ({"fit": [{"name": "x", "field": "country", "points": 1}]}, "exactly one of"),
        ({"fit": [{"name": "x", "field": "country", "equals": "DE", "in": ["AT"], "points": 1}]}, "exactly one of"),
        (
            {"fit": [{"name": "x", "field": "job_title", "contains": "a", "contains_text": "b", "points": 1}]},
            "exactly one of",
        ),
        ({"engagement": {"points": {"telepathy": 5}}}, "unknown activity types telepathy"),
        ({"engagement": {"points": {"page_view": -1}}}, "must not be negative"),
        ({"temperature": {"warm": 50, "hot": 40}}, "hot must be above warm"),
        (
            {
                "fit": [
                    {"name": "a", "field": "x", "equals": "1", "points": 1},
                    {"name": "a", "field": "y", "equals": "1", "points": 1},
                ]
            },
            "unique",
        ),
    ],
)
def test_a_bad_scoring_section_fails_validation_naming_the_problem(scoring, message):
    with pytest.raises(PlaybookError, match=message):
        parse_playbook({**_raw(), "scoring": scoring})


def test_the_activities_section_must_keep_the_types_the_app_records():
    raw = _raw()
    raw["activities"]["types"].pop("email_open")
    with pytest.raises(PlaybookError, match="email_open"):
        parse_playbook(raw)


# --- properties ------------------------------------------------------------
TYPES = sorted(PLAYBOOK.activities.types) + ["unknown_type"]
activities_strategy = st.lists(
    st.builds(
        Activity,
        type=st.sampled_from(TYPES),
        at=st.integers(min_value=-400 * 24 * 3600, max_value=3600).map(lambda s: NOW + timedelta(seconds=s)),
        flagged=st.sampled_from([None, None, None, "prefetch"]),
    ),
    max_size=60,
)
profiles = st.fixed_dictionaries(
    {},
    optional={
        "company_size": st.sampled_from(["1-10", "11-50", "51-200", "201-1000", "1000+", "", "n/a"]),
        "industry": st.sampled_from(["software", "finance", "other"]),
        "country": st.sampled_from(["DE", "US", "AT"]),
        "job_title": st.text(max_size=20) | st.sampled_from(["Head of IT", "CEO"]),
        "email_domain": st.sampled_from(["gmail.com", "acme.example", "competitor.example"]),
    },
)


@settings(max_examples=150, deadline=None)
@given(profiles, activities_strategy, st.randoms())
def test_property_the_score_is_deterministic_and_ignores_activity_order(profile, activities, rnd):
    shuffled = list(activities)
    rnd.shuffle(shuffled)
    assert score(profile, activities, SCORING, NOW) == score(profile, activities, SCORING, NOW)
    first, second = score(profile, activities, SCORING, NOW), score(profile, shuffled, SCORING, NOW)
    assert (first.total, first.fit, first.engagement, first.changes_at) == (
        second.total,
        second.fit,
        second.engagement,
        second.changes_at,
    )


@settings(max_examples=150, deadline=None)
@given(activities_strategy)
def test_property_caps_hold(activities):
    engagement = SCORING.engagement
    result = score({}, activities, SCORING, NOW)
    parts = {c.rule: c.points for c in result.breakdown if c.kind == "engagement"}
    for kind, cap in engagement.caps.items():
        assert parts.get(kind, 0) <= cap
    cuts = {c.rule: c.points for c in result.breakdown if c.kind == "cap"}
    for name, group in engagement.groups.items():
        assert sum(parts.get(t, 0) for t in group.types) + cuts.get(f"group:{name}", 0) <= group.cap + 0.01
    assert result.engagement <= engagement.total_cap


@settings(max_examples=150, deadline=None)
@given(profiles, activities_strategy, st.integers(min_value=0, max_value=500 * 24 * 3600))
def test_property_decay_never_raises_a_score(profile, activities, later):
    past = [a for a in activities if a.at <= NOW]
    before = score(profile, past, SCORING, NOW)
    after = score(profile, past, SCORING, NOW + timedelta(seconds=later))
    assert after.total <= before.total and after.engagement <= before.engagement


@settings(max_examples=150, deadline=None)
@given(profiles, st.lists(activities_strategy, min_size=1, max_size=5), st.sampled_from(STAGES))
def test_property_scoring_never_moves_a_stage_backwards(profile, batches, start):
    stage, seen, moment = start, [], NOW
    for batch in batches:
        seen += batch
        moment += timedelta(days=3)
        result = score(profile, seen, SCORING, moment)
        change = stage_by_scoring(stage, result, first_hand_raiser(seen, HAND_RAISERS), SCORING.stages)
        if change:
            assert rank(change.to_stage) > rank(stage) and rank(change.to_stage) <= rank("sql")
            stage = change.to_stage
    assert rank(stage) >= rank(start)


# --- what may move a stage ---------------------------------------------------
def lead_in(stage, profile=GOOD_FIT, email="ann@acme.example"):
    return ScoredLead("l-1", 1, "confirmed", stage, email, profile)


def planned_stage(lead, activities):
    write = plan_rescore(lead, activities, PLAYBOOK, NOW)
    return write.stage_change.to_stage if write and write.stage_change else lead.stage


def test_form_posts_count_in_the_score_but_never_cross_a_stage_threshold():
    done = [
        act("webinar_attended", 60, source="server"),
        act("whitepaper_download", 50, source="web"),
        act("pricing_page_view", 40, source="web"),
    ]
    posts = [act("form_submitted", m, source="form", form_id="demo") for m in range(4)]
    write = plan_rescore(lead_in("mql"), [*done, *posts], PLAYBOOK, NOW)
    assert write.score.total >= SCORING.stages.sql.score and write.stage_change is None
    assert planned_stage(lead_in("mql"), [*done, *posts, act("email_click", 1, source="email")]) == "sql"


sources = st.sampled_from(["web", "email", "server"])
trusted_activities = st.lists(
    st.builds(
        Activity,
        type=st.sampled_from(TYPES),
        at=st.integers(min_value=-60 * 24 * 3600, max_value=0).map(lambda s: NOW + timedelta(seconds=s)),
        source=sources,
    ),
    max_size=20,
)
form_posts = st.lists(
    st.builds(
        Activity,
        type=st.just("form_submitted"),
        at=st.integers(min_value=-60 * 24 * 3600, max_value=0).map(lambda s: NOW + timedelta(seconds=s)),
        source=st.just("form"),
        data=st.fixed_dictionaries({"form_id": st.sampled_from(["demo", "webinar"])}),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(profiles, trusted_activities, form_posts, st.sampled_from(STAGES))
def test_property_no_form_posts_move_a_stage_whatever_else_happened(profile, trusted, posts, stage):
    lead = lead_in(stage, profile)
    assert planned_stage(lead, trusted + posts) == planned_stage(lead, trusted)


def test_a_rescore_keeps_the_newest_activity_time_even_when_the_score_stays():
    activities = [act("webinar_attended", 60, source="server"), act("pricing_page_view", 5, source="web")]
    first = plan_rescore(lead_in("lead"), activities, PLAYBOOK, NOW)
    assert first.last_activity_at == iso(NOW - timedelta(minutes=5))
    scored = dataclasses.replace(
        lead_in("lead"),
        stage=first.stage_change.to_stage if first.stage_change else "lead",
        scored=stored_form(first.score),
        rescore_at=first.rescore_at,
    )
    # score, stage and rescore time already stored: only the last activity is new
    only_time = plan_rescore(scored, activities, PLAYBOOK, NOW)
    assert only_time is not None and only_time.last_activity_at == first.last_activity_at
    # once stored, a redelivered record writes nothing
    assert (
        plan_rescore(dataclasses.replace(scored, last_activity_at=first.last_activity_at), activities, PLAYBOOK, NOW)
        is None
    )
