"""The one source of time for the app: injectable so that the local stack and
tests can move it forward (nurture delays, token expiry, SLAs) in seconds."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class AdjustableClock(SystemClock):
    """Wall-clock time plus an offset that only ever grows (it may start
    negative: the local demo begins a month back and walks to the present)."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = float(offset_seconds)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self._offset)

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        with self._lock:
            self._offset += seconds
        return self.now()


class FixedClock:
    """A clock that stands still until told to move (unit tests)."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        self._at += timedelta(seconds=seconds)
        return self._at


def iso(at: datetime) -> str:
    """Sortable UTC timestamp with milliseconds, as stored in sort keys."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def epoch(at: datetime) -> int:
    return int(at.timestamp())
