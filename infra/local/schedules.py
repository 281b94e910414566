"""EventBridge schedule expressions (`rate(...)`, `cron(...)`) and when they
next fire, in UTC like EventBridge rules. Cron supports what rules commonly
use: `*`, `?`, lists, ranges, steps and names; `L`, `W` and `#` are refused
at start-up rather than fired at the wrong time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {
    m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}  # AWS: 1 = Sunday


class ScheduleError(ValueError):
    pass


def expression_text(expression) -> str:
    """Chalice takes a string or a Rate/Cron object."""
    return expression if isinstance(expression, str) else expression.to_string()


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """The allowed values of one cron field; None means any."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.upper().split(","):
        if re.search(r"[LW#]", part):
            raise ScheduleError(f"cron field '{text}': L, W and # are not supported locally")
        base, _, step = part.partition("/")
        try:
            if base == "*":
                start, end = low, high
            else:
                first, _, last = base.partition("-")
                start = (names or {}).get(first) or int(first)
                end = ((names or {}).get(last) or int(last)) if last else (high if step else start)
            stride = int(step) if step else 1
        except ValueError:
            raise ScheduleError(f"cron field '{text}' is not understood") from None
        if not (low <= start <= high and low <= end <= high and stride > 0):
            raise ScheduleError(f"cron field '{text}' is outside {low}-{high}")
        # a range may wrap around (SAT-SUN, 22-2)
        span = list(range(start, end + 1)) if start <= end else [*range(start, high + 1), *range(low, end + 1)]
        values.update(span[::stride])
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    expression: str
    every: timedelta | None = None
    cron: tuple | None = None  # (minutes, hours, days, months, weekdays, years)

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        rate = re.fullmatch(r"rate\((\d+)\s+(\w+)\)", expression.strip())
        if rate:
            value, unit = int(rate.group(1)), rate.group(2).lower()
            if value < 1 or unit not in _UNITS:
                raise ScheduleError(f"bad rate expression: {expression}")
            return cls(expression, every=timedelta(seconds=value * _UNITS[unit]))
        cron = re.fullmatch(r"cron\((.+)\)", expression.strip())
        if not cron or len(cron.group(1).split()) != 6:
            raise ScheduleError(f"not a rate(...) or 6-field cron(...) expression: {expression}")
        minutes, hours, days, months, weekdays, years = cron.group(1).split()
        return cls(
            expression,
            cron=(
                _field(minutes, 0, 59),
                _field(hours, 0, 23),
                _field(days, 1, 31),
                _field(months, 1, 12, _MONTHS),
                _field(weekdays, 1, 7, _DAYS),
                _field(years, 1970, 2199),
            ),
        )

    def next_after(self, at: datetime) -> datetime:
        """The first fire time strictly after `at`."""
        if self.every is not None:
            return at + self.every
        minutes, hours, days, months, weekdays, years = self.cron
        candidate = at.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = candidate + timedelta(days=366 * 5)
        while candidate < limit:
            if (
                months is not None
                and candidate.month not in months
                or years is not None
                and candidate.year not in years
                or not self._day_matches(candidate, days, weekdays)
            ):
                candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
            elif hours is not None and candidate.hour not in hours:
                candidate = (candidate + timedelta(hours=1)).replace(minute=0)
            elif minutes is not None and candidate.minute not in minutes:
                candidate += timedelta(minutes=1)
            else:
                return candidate
        raise ScheduleError(f"{self.expression} never fires")

    @staticmethod
    def _day_matches(at: datetime, days, weekdays) -> bool:
        weekday = at.isoweekday() % 7 + 1  # Monday=1..Sunday=7 -> Sunday=1..Saturday=7
        return (days is None or at.day in days) and (weekdays is None or weekday in weekdays)
