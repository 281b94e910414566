"""The deliverability report: per day and per kind (and per sequence and
mailbox provider) the sends, bounces and complaints, with rates only where
the sends reach the playbook's minimum volume; the thresholds, the guard's
current view and the pauses and resumes of the range. It reads the day items
and the event items of the range (two Queries) and the guard item."""

from __future__ import annotations

from datetime import date

from .figures import ALL, Figures, scopes_in
from .guard import judged, thresholds, window


def _block(figures: Figures, min_volume: int) -> dict:
    enough = figures.sends >= min_volume
    return {
        **figures.as_dict(),
        "bounce_rate": figures.bounce_rate if enough else None,
        "complaint_rate": figures.complaint_rate if enough else None,
        "enough_volume": enough,
    }


def _day(item: dict, min_volume: int) -> dict:
    grouped: dict[str, dict] = {"kinds": {}, "sequences": {}, "domains": {}}
    groups = {"kind": "kinds", "sequence": "sequences", "domain": "domains"}
    for scope in sorted(scopes_in(item)):
        group, _, name = scope.partition(":")
        if group in groups:
            grouped[groups[group]][name] = _block(Figures.of([item], scope), min_volume)
    return {"day": item["day"], "all": _block(Figures.of([item], ALL), min_volume), **grouped}


class Deliverability:
    def __init__(self, rules, store, clock, account):
        self._rules = rules
        self._store = store
        self._clock = clock
        self._account = account  # SES's own view of the account (sesv2 get_account)

    def report(self, first: date, last: date) -> dict:
        rules, now = self._rules, self._clock.now()
        state = self._store.guard_state()
        start, end = window(now, rules)
        current = judged(self._store.days(start, end), ALL, state["since"].get(ALL), start)
        view = {
            "window": {"from": start.isoformat(), "to": end.isoformat()},
            "judged_since": (state["since"].get(ALL) or {}).get("at"),
            "all": _block(current, rules.min_volume),
        }
        if current.sends < rules.min_volume:
            view["note"] = (
                f"{current.sends} sends in the window, fewer than the minimum volume of {rules.min_volume}: "
                "no rate is claimed and the guard does not pause"
            )
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "thresholds": thresholds(rules),
            "paused": state["paused"],
            "current": view,
            "days": [_day(item, rules.min_volume) for item in self._store.days(first, last)],
            "pauses": self._store.events(first.isoformat(), last.isoformat()),
            "ses_account": self._account.status(),
        }
