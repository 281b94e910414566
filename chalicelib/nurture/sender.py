"""The scheduled nurture sender: one tick finds the leads whose next mail is
due through the sparse, write-sharded `nurture` index (a bounded Query per
shard, never a scan) and sends each lead's due step (service.Nurture).

It respects SES: at most `sending.max_per_second` mails (PacedMailer), an
exponential backoff on Throttling and, after `throttle_retries`, the rest is
left for the next tick; on the daily quota it pauses until the next UTC
midnight (if SES still refuses then, it pauses again). It stops while
`reserve_seconds` of the Lambda's time are left. The sending guard's pauses
(chalicelib/reputation) are read at the start, after its review, and
checked again by every claim: a pause of all nurture mail ends the tick at
once, a paused sequence's leads are passed over and stay due. A new
domain's warm-up caps the day's nurture mails: then the leads due longest go
first and the rest wait for tomorrow. Whatever it does not reach stays due in
the index. Overlapping ticks are safe: each step is claimed with
a conditional write before SES is called."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

from ..clock import epoch
from ..mail.ses import DailyQuotaExceeded, SendRejected, SendThrottled
from ..reputation.figures import ALL
from ..reputation.guard import SendingPaused

log = logging.getLogger(__name__)


class WallTimer:
    """Real seconds, for pacing and backoff (tests pass a fake)."""

    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


class PacedMailer:
    """Keeps calls to the mailer at most `per_second` apart, per process."""

    def __init__(self, mailer, per_second: float, timer):
        self._mailer = mailer
        self._gap = 1.0 / per_second
        self._timer = timer
        self._last: float | None = None

    def send(self, mail) -> str:
        if self._last is not None:
            wait = self._last + self._gap - self._timer.monotonic()
            if wait > 0:
                self._timer.sleep(wait)
        self._last = self._timer.monotonic()
        return self._mailer.send(mail)


class _Stop(Exception):
    """End this tick; what is left stays due."""


def next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), day_time(0), tzinfo=UTC)


class NurtureSender:
    def __init__(self, nurture, store, sending, clock, timer, shards: int, guard):
        self._nurture = nurture
        self._guard = guard
        self._store = store
        self._sending = sending
        self._clock = clock
        self._timer = timer
        self._shards = shards

    def tick(self, remaining_ms: Callable[[], float] | None = None) -> dict[str, int]:
        """One run; returns counts of what happened (for the log)."""
        now = self._clock.now()
        paused = self._store.paused_until()
        if paused and paused > now:
            return {"paused": 1}
        self._guard.review()
        if not self._hold(self._guard.paused()):
            return {"paused by the sending guard": 1}
        self._remaining_ms = remaining_ms or (lambda: float("inf"))
        done: Counter = Counter()
        allowance = self._guard.nurture_allowance()
        try:
            if allowance is None:
                self._send_all_due(now, done)
            else:
                self._send_oldest_due(now, allowance, done)
        except _Stop as stop:
            done[f"stopped: {stop}"] += 1
        return dict(done)

    def _send_all_due(self, now: datetime, done: Counter) -> None:
        budget = self._sending.max_per_tick
        first = epoch(now) // 60 % self._shards  # rotate, so no shard always waits for the others
        for shard in [(first + n) % self._shards for n in range(self._shards)]:
            for lead_id in self._store.due(shard, now, budget) if budget > 0 else []:
                self._check_time()
                budget -= 1
                done[self._one(lead_id)] += 1

    def _send_oldest_due(self, now: datetime, allowance: int, done: Counter) -> None:
        """Within the warm-up's cap for today, the leads due longest first."""
        for lead_id in self._store.oldest_due(self._shards, now, self._sending.max_per_tick):
            if done["sent"] >= allowance:
                raise _Stop("warm-up cap for today")
            self._check_time()
            done[self._one(lead_id)] += 1

    def _hold(self, paused: dict) -> bool:
        """Note the paused sequences; False if all nurture mail is paused."""
        self._held = frozenset(scope.split(":", 1)[1] for scope in paused if scope.startswith("sequence:"))
        return ALL not in paused

    def _check_time(self, after_seconds: float = 0) -> None:
        if self._remaining_ms() - after_seconds * 1000 < self._sending.reserve_seconds * 1000:
            raise _Stop("time")

    def _one(self, lead_id: str) -> str:
        attempt = 0
        while True:
            try:
                return self._nurture.send_due(lead_id, self._held)
            except SendingPaused:
                # paused since the tick began: all of nurture, or this sequence
                if not self._hold(self._guard.paused()):
                    raise _Stop("paused by the sending guard") from None
                return "sequence paused"
            except DailyQuotaExceeded:
                self._store.pause(next_utc_midnight(self._clock.now()), "SES daily quota")
                raise _Stop("daily quota") from None
            except SendThrottled:
                if attempt == self._sending.throttle_retries:
                    raise _Stop("throttled") from None
                backoff = self._sending.backoff_seconds * 2**attempt
                self._check_time(after_seconds=backoff)
                self._timer.sleep(backoff)
                attempt += 1
            except SendRejected as rejected:
                # nothing went out and the step stays due: the next tick tries again
                log.warning("nurture send rejected by SES: %s", rejected)
                return "rejected"
