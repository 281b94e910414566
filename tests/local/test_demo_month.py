"""The demo month's cast and timeline (no stack): the seed finds each person's
mails by address and each rep mail by name, so both must be unique, and
every journey must end inside the month."""

from __future__ import annotations

import random

from infra.local.demo_month import JOURNEYS, PLANS, SLOTS, people, timeline

DAYS = 29


def test_every_person_has_an_own_address_and_name_and_the_month_has_every_journey():
    cast = people(DAYS, random.Random(2026))

    assert len({p.email for p in cast}) == len(cast) == sum(JOURNEYS.values())
    assert len({p.name for p in cast}) == len(cast)
    assert {p.journey for p in cast} == set(JOURNEYS)


def test_every_journey_ends_before_today_and_unconfirmed_ones_are_recent_enough_not_to_expire():
    cast = people(DAYS, random.Random(2026))

    for person in cast:
        assert person.day >= 0 and person.day + max(day for day, _ in PLANS[person.journey]) < DAYS
        if person.journey in ("subscriber", "bounced"):
            assert person.day >= DAYS - 6  # pending signups expire after the playbook's 7 days


def test_the_timeline_runs_forward_and_each_person_s_steps_keep_their_order():
    cast = people(DAYS, random.Random(2026))
    moments = list(timeline(cast))

    assert moments == sorted(moments)
    for person in cast:
        mine = [(at, step) for at, steps in timeline([person]).items() for who, step in steps if who is person]
        assert [step for _, step in mine] == [step for _, step in sorted(PLANS[person.journey], key=_when)]
        accept = [at for at, step in mine if step == "accept"]
        if accept:  # within the playbook's 15-minute SLA of the demo request
            asked = next(at for at, step in mine if step == "demo_request")
            assert accept[0][0] == asked[0] and 0 < accept[0][1] - asked[1] < 15


def _when(planned: tuple[int, str]) -> tuple[int, int]:
    day, step = planned
    return day, SLOTS[step.split(":")[0]]
