"""Telling the SLA manager of each pause and resume, by mail in
`sla.manager_locale`, with the figures behind it. The stream reaction calls
this for each new event item; the item records that the mail went, so a
redelivered record mails nothing (only a crash between SES and that record
can mail twice: for an alert, better twice than never)."""

from __future__ import annotations

from ..clock import iso
from ..mail.templates import render_mail

# for people: the scope as the mail names it
_SCOPE = {"en": ("all nurture mail", "the sequence {}"), "de": ("alle Nurture-Mails", "die Sequenz {}")}


def scope_words(scope: str, locale: str) -> str:
    everything, one = _SCOPE[locale]
    return everything if scope == "all" else one.format(scope.split(":", 1)[1])


def _percent(rate) -> str:
    return "-" if rate is None else f"{rate:.2%}"


def guard_mail(manager_email: str, locale: str, event: dict):
    figures = event.get("figures") or {}
    context = {
        "event": event,
        "scope": scope_words(event["scope"], locale),
        "figures": figures,
        "bounce_rate": _percent(figures.get("bounce_rate")),
        "complaint_rate": _percent(figures.get("complaint_rate")),
        "thresholds": {
            "bounce": _percent(event["thresholds"]["pause_bounce_rate"]),
            "complaint": f"{event['thresholds']['pause_complaint_rate']:.3%}",
            "min_volume": event["thresholds"]["min_volume"],
            "window_days": event["thresholds"]["window_days"],
        },
    }
    return render_mail("sending_guard", locale, manager_email, context, tags={"kind": "sending_guard"})


class Announcements:
    def __init__(self, sla, store, mailer, clock):
        self._sla = sla
        self._store = store
        self._mailer = mailer
        self._clock = clock

    def announce(self, sk: str) -> str:
        event = self._store.event(sk)
        if event is None or event.get("announced_at"):
            return "announced before"
        if not self._sla.manager_email:
            return "no manager to tell"
        self._mailer.send(guard_mail(self._sla.manager_email, self._sla.manager_locale, event))
        self._store.mark_announced(sk, iso(self._clock.now()))
        return f"manager told of {event['action']} {event['scope']}"
