from datetime import UTC, datetime

import pytest
from chalice.app import Cron, Rate

from infra.local.schedules import Schedule, ScheduleError, expression_text

AT = datetime(2026, 11, 23, 9, 7, 30, tzinfo=UTC)  # a Monday


def test_rate_fires_every_interval_after_the_given_time():
    assert Schedule.parse("rate(5 minutes)").next_after(AT) == datetime(2026, 11, 23, 9, 12, 30, tzinfo=UTC)
    assert Schedule.parse(expression_text(Rate(1, Rate.HOURS))).every.total_seconds() == 3600


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 23, 9, 15, tzinfo=UTC)),
        ("cron(0 8 * * ? *)", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        ("cron(30 6 ? * SAT-SUN *)", datetime(2026, 11, 28, 6, 30, tzinfo=UTC)),
        ("cron(0 0 1 JAN ? *)", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        ("cron(0 12 ? * 2 *)", datetime(2026, 11, 23, 12, 0, tzinfo=UTC)),  # 2 = Monday in AWS cron
    ],
)
def test_cron_fires_at_the_next_matching_minute_in_utc(expression, expected):
    assert Schedule.parse(expression).next_after(AT) == expected


def test_chalice_cron_objects_are_understood():
    assert Schedule.parse(expression_text(Cron(0, 10, "*", "*", "?", "*"))).next_after(AT).hour == 10


@pytest.mark.parametrize(
    "expression",
    ["rate(0 minutes)", "rate(5 weeks)", "cron(0 8 * * *)", "cron(0 8 L * ? *)", "cron(0 25 * * ? *)", "every day"],
)
def test_unsupported_or_malformed_expressions_are_refused(expression):
    with pytest.raises(ScheduleError):
        Schedule.parse(expression)
