"""The sending guard: over the playbook's rolling window (judging only what
came after the last admin resume), a scope whose hard-bounce or complaint rate
reaches the pause thresholds with at least `min_volume` sends is paused.
Scopes: `all` (the account, as SES measures it: every kind together) pauses
all nurture mail; `sequence:<name>` pauses that sequence. Opt-in mails and
rep notifications never stop.

The pause is the guard item's `paused#<scope>` attribute; nurture claims
check it in their own transaction (storage/nurture.py), so no nurture mail is
claimed once it is written. Each pause and resume is an event item with the
figures behind it. With `auto_resume`, the nurture tick's review resumes a
scope whose rates have stayed below half the thresholds for a day; below the
minimum volume no rate is claimed, so only an admin resumes then."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from ..clock import iso
from .figures import ALL, Figures

log = logging.getLogger(__name__)

CALM_FOR = timedelta(days=1)


class SendingPaused(Exception):
    """Nurture mail of this scope is paused by the reputation guard."""

    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


class NotPaused(Exception):
    """Nothing to resume: the scope is not paused."""


def window(now: datetime, rules) -> tuple[date, date]:
    last = now.date()
    return last - timedelta(days=rules.window_days - 1), last


def judged(days: list[dict], scope: str, since: dict | None, first: date) -> Figures:
    """The scope's figures over `days` from `first` on, without what was
    counted before the last resume (`since`: its day and that day's counts then)."""
    since_day = date.fromisoformat(since["day"]) if since else None
    total = Figures()
    for day in days:
        on = date.fromisoformat(day["day"])
        if on < first or (since_day and on < since_day):
            continue
        figures = Figures.of([day], scope)
        if since_day == on:
            figures = figures - Figures.from_dict(since["baseline"])
        total = total + figures
    return total


def crossing(figures: Figures, rules, share: float = 1.0) -> list[str]:
    """Which thresholds (times `share`) the figures reach; none below the
    minimum volume, where the data supports no rate."""
    if figures.sends < rules.min_volume:
        return []
    crossed = []
    if figures.bounce_rate >= rules.pause_bounce_rate * share:
        crossed.append(f"bounce rate {figures.bounce_rate:.2%} >= {rules.pause_bounce_rate * share:.2%}")
    if figures.complaint_rate >= rules.pause_complaint_rate * share:
        crossed.append(f"complaint rate {figures.complaint_rate:.3%} >= {rules.pause_complaint_rate * share:.3%}")
    return crossed


def thresholds(rules) -> dict:
    return {
        "pause_bounce_rate": rules.pause_bounce_rate,
        "pause_complaint_rate": rules.pause_complaint_rate,
        "min_volume": rules.min_volume,
        "window_days": rules.window_days,
    }


def _figures_record(figures: Figures) -> dict:
    return {**figures.as_dict(), "bounce_rate": figures.bounce_rate, "complaint_rate": figures.complaint_rate}


class SendingGuard:
    def __init__(self, rules, store, clock):
        self._rules = rules
        self._store = store
        self._clock = clock

    def paused(self) -> dict[str, dict]:
        """The paused scopes and why (one consistent read)."""
        return self._store.guard_state()["paused"]

    def nurture_allowance(self) -> int | None:
        """With a warm-up in the playbook: how many more nurture mails may go
        today (None: no cap)."""
        warm_up = self._rules.warm_up
        if warm_up is None:
            return None
        today = self._clock.now().date()
        sent = judged(self._store.days(today, today), "kind:nurture", None, today).sends
        return max(warm_up.cap(today) - sent, 0)

    def judge(self, scopes: list[str]) -> list[str]:
        """After a counted bounce or complaint: pause each of these scopes
        (`all`, `sequence:<name>`) that crosses a threshold; returns those
        paused now."""
        now = self._clock.now()
        state = self._store.guard_state()
        first, last = window(now, self._rules)
        days = self._store.days(first, last)
        paused = []
        for scope in scopes:
            if scope in state["paused"]:
                continue
            figures = judged(days, scope, state["since"].get(scope), first)
            crossed = crossing(figures, self._rules)
            if crossed and self._pause(scope, figures, crossed, now, first, last):
                paused.append(scope)
        return paused

    def _pause(self, scope, figures, crossed, now, first, last) -> bool:
        at = iso(now)
        pause = {"at": at, "reason": "; ".join(crossed), "figures": _figures_record(figures)}
        event = {
            "action": "paused",
            "scope": scope,
            "at": at,
            "by": "guard",
            "reason": pause["reason"],
            "figures": pause["figures"],
            "thresholds": thresholds(self._rules),
            "window": {"from": first.isoformat(), "to": last.isoformat()},
        }
        done = self._store.pause(scope, pause, event)
        if done:
            log.warning("sending guard paused %s: %s", scope, pause["reason"])
        return done

    def resume(self, scope: str, reason: str, by: str = "admin") -> dict:
        """An admin's resume: the guard judges only what is counted from now
        on. Raises NotPaused."""
        now = self._clock.now()
        state = self._store.guard_state()
        pause = state["paused"].get(scope)
        if pause is None:
            raise NotPaused(scope)
        today = self._store.days(now.date(), now.date())
        figures = judged(today, scope, None, now.date())
        since = {"at": iso(now), "day": now.date().isoformat(), "baseline": figures.as_dict()}
        event = self._event("resumed", scope, now, by, reason, pause)
        if not self._store.resume(scope, pause["at"], since, event):
            raise NotPaused(scope)  # resumed meanwhile by someone else
        return event

    def review(self) -> list[str]:
        """With `auto_resume`: resume the paused scopes that stayed below half
        the thresholds for a day; returns them."""
        if not self._rules.auto_resume:
            return []
        now = self._clock.now()
        state = self._store.guard_state()
        if not state["paused"]:
            return []
        first, last = window(now, self._rules)
        days = self._store.days(first, last)
        resumed = []
        for scope, pause in state["paused"].items():
            figures = judged(days, scope, state["since"].get(scope), first)
            calm = figures.sends >= self._rules.min_volume and not crossing(figures, self._rules, 0.5)
            calm_since = state["calm"].get(scope)
            if not calm:
                if calm_since:
                    self._store.set_calm(scope, None)
                continue
            if calm_since is None:
                self._store.set_calm(scope, iso(now))
            elif now - datetime.fromisoformat(calm_since) >= CALM_FOR:
                reason = f"below half the thresholds since {calm_since}"
                event = self._event("resumed", scope, now, "guard", reason, pause, figures)
                if self._store.resume(scope, pause["at"], None, event):
                    resumed.append(scope)
        return resumed

    def _event(self, action, scope, now, by, reason, pause, figures: Figures | None = None) -> dict:
        event = {
            "action": action,
            "scope": scope,
            "at": iso(now),
            "by": by,
            "reason": reason,
            "paused_at": pause["at"],
            "pause_reason": pause["reason"],
            "thresholds": thresholds(self._rules),
        }
        return {**event, "figures": _figures_record(figures)} if figures else event


def judged_scopes(scopes: list[str]) -> list[str]:
    """The scopes the guard pauses, of those one mail counts in."""
    return [s for s in scopes if s == ALL or s.startswith("sequence:")]
