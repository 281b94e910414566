"""The decay job keeps stored scores fresh: after `rescore_due` has run, at
any moment, the stored score is within a point of the pure score function.
The Scorer runs against an in-memory store with the index's rule (due when
`rescore_at <= now`, compared as the stored ISO strings are)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.clock import FixedClock, iso
from chalicelib.playbook import load_playbook
from chalicelib.scoring.plan import ScoredLead, scoring_window_start, stored_form
from chalicelib.scoring.rules import Activity, score, scoring_profile
from chalicelib.scoring.service import Scorer

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLAYBOOK = load_playbook()
DAY = 24 * 3600


class MemoryScores:
    """One lead's stored state, written as ScoreStore writes it."""

    def __init__(self, lead: ScoredLead, activities: list[Activity]):
        self.stored = lead
        self._activities = activities

    def lead(self, lead_id):
        return self.stored

    def activities(self, lead_id, since, data_keys=()):
        return [
            replace(a, data={k: v for k, v in (a.data or {}).items() if k in data_keys})
            for a in self._activities
            if a.at >= since
        ]

    def write(self, lead, write):
        self.stored = replace(
            lead,
            version=lead.version + 1,
            scored=stored_form(write.score) if write.score else lead.scored,
            stage=write.stage_change.to_stage if write.stage_change else lead.stage,
            rescore_at=write.rescore_at,
        )

    def due(self, shard, now, limit):
        at = self.stored.rescore_at
        return [self.stored.lead_id] if shard == 0 and at is not None and at <= iso(now) else []


activities = st.lists(
    st.builds(
        Activity,
        type=st.sampled_from(sorted(PLAYBOOK.scoring.engagement.points)),
        at=st.integers(min_value=-200 * DAY, max_value=0).map(lambda s: NOW + timedelta(seconds=s)),
        source=st.sampled_from(["web", "email", "server", "form"]),
        data=st.fixed_dictionaries({"mail_id": st.sampled_from(["m1", "m2"]), "form_id": st.just("demo")}),
    ),
    max_size=30,
)
profiles = st.fixed_dictionaries(
    {},
    optional={
        "company_size": st.sampled_from(["1-10", "51-200"]),
        "industry": st.sampled_from(["software", "finance"]),
        "job_title": st.sampled_from(["CTO", "Engineer"]),
    },
)
# gaps between job runs: minutes to months, so runs land anywhere
gaps = st.lists(st.integers(min_value=60, max_value=120 * DAY), min_size=1, max_size=12)


@settings(max_examples=120, deadline=None)
@given(profiles, activities, gaps)
def test_property_after_the_job_the_stored_score_is_within_a_point_of_the_pure_one(profile, done, waits):
    lead = ScoredLead("l-1", 1, "confirmed", "lead", "ann@acme.example", profile)
    store, clock = MemoryScores(lead, done), FixedClock(NOW)
    scorer = Scorer(PLAYBOOK, store, clock, shards=1)
    scorer.rescore("l-1")  # the stream reaction to the last activity
    for wait in waits:
        clock.advance(wait)
        scorer.rescore_due()
        now = clock.now()
        since = scoring_window_start(PLAYBOOK, now)
        counted = [a for a in done if a.at >= since]
        pure = score(scoring_profile(profile, lead.email), counted, PLAYBOOK.scoring, now)
        stored = store.stored.scored
        assert abs(stored["total"] - pure.total) <= 1
        assert abs(stored["engagement"] - pure.engagement) <= 1
        assert stored["temperature"] == pure.temperature or abs(stored["total"] - pure.total) == 1
