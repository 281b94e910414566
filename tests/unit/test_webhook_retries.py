"""When a failed integration webhook is tried again (pure rules)."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.integrations.retry import MAX_HOP_SECONDS, hop_seconds, next_attempt_at
from chalicelib.playbook.integrations import WebhookDelivery

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_waits_double_from_the_first_retry_up_to_the_cap():
    policy = WebhookDelivery(first_retry_seconds=60, max_retry_seconds=3600, retry_hours=24)
    until = NOW + timedelta(hours=24)
    waits = [(next_attempt_at(n, NOW, until, policy) - NOW).total_seconds() for n in range(1, 9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_no_retry_past_the_window():
    policy = WebhookDelivery(first_retry_seconds=600, max_retry_seconds=600, retry_hours=1)
    assert next_attempt_at(1, NOW, NOW + timedelta(seconds=600), policy) == NOW + timedelta(seconds=600)
    assert next_attempt_at(1, NOW, NOW + timedelta(seconds=599), policy) is None


def test_a_long_wait_is_travelled_in_hops_of_at_most_15_minutes():
    assert hop_seconds(NOW, NOW + timedelta(hours=1)) == MAX_HOP_SECONDS == 900
    assert hop_seconds(NOW, NOW + timedelta(seconds=61.4)) == 61
    assert hop_seconds(NOW, NOW + timedelta(milliseconds=200)) == 1  # SQS delays whole seconds
    assert hop_seconds(NOW, NOW) == 0 and hop_seconds(NOW, NOW - timedelta(seconds=5)) == 0


def test_the_playbook_refuses_a_cap_below_the_first_wait():
    with pytest.raises(ValueError, match="max_retry_seconds"):
        WebhookDelivery(first_retry_seconds=600, max_retry_seconds=60)
