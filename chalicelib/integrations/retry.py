"""When a failed webhook delivery is tried again (pure). SQS delays a message
by at most 15 minutes, so a longer wait is travelled in hops: the message
says when it may be posted and comes back early only to be delayed again."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_HOP_SECONDS = 900  # SQS DelaySeconds


def next_attempt_at(attempt: int, now: datetime, retry_until: datetime, policy) -> datetime | None:
    """When to try again after failed attempt number `attempt` (1-based), or
    None when that would be past the retry window: the delivery has failed."""
    wait = min(policy.first_retry_seconds * 2 ** (attempt - 1), policy.max_retry_seconds)
    at = now + timedelta(seconds=wait)
    return at if at <= retry_until else None


def hop_seconds(now: datetime, not_before: datetime) -> int:
    """The delay of the next hop towards `not_before` (0: due now)."""
    remaining = (not_before - now).total_seconds()
    return 0 if remaining <= 0 else min(MAX_HOP_SECONDS, max(1, round(remaining)))
