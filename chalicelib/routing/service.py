"""The router: from a sales-qualified lead to a notified rep, and what reps
do with it (accept, decline, outcome), plus the SLA watcher.

Exactly once under redelivery: the assignment is keyed by the SQL
transition and created with a conditional put in the same transaction as the
rep's capacity claim; the rep mail of an offer is recorded (`notified_offer`)
and the webhook call (`webhook_offer`) after it, so a redelivered message
finds them done. If the process dies between SES accepting the mail and the
record, the retry mails again: a duplicate beats a lead nobody hears of.
Reassignments (decline, SLA) change the assignment only; the stream sees the
new offer and queues it, and this router notifies, with the queue's retries
and dead-letter queue behind every notification.

No SQL is lost: when nobody can take it (no rep, no fallback, no default
owner), the assignment is recorded `unassigned` with the reason, the manager
is mailed (once per unassigned spell, recorded like a rep's notification),
and the SLA watcher offers it again every run until a rep takes it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from ..clock import epoch, iso
from ..reasons import Reason
from ..scoring.stages import InvalidOutcome, stage_by_sales_outcome
from ..storage.routing import AlreadyAssigned, RepUnavailable, StaleAssignment
from ..tokens import InvalidToken
from .assignment import (
    ACCEPTED,
    OFFERED,
    OPEN,
    OUTCOMES,
    UNASSIGNED,
    Assignment,
    reoffered,
    reverses_win,
    taken_up,
    unassigned,
)
from .deal import outcome_details
from .errors import NoEligibleRep, NoOpenAssignment, NotAccepted, OfferNotCurrent, RepRefused
from .notify import Links, manager_mail, rep_mail, unassigned_mail, webhook_payload
from .reps import Rep
from .rules import lead_facts, targets, why_nobody
from .speed import accepted_counters, notified_counters, unassigned_counters

log = logging.getLogger(__name__)

LINK_PURPOSE = "rep"
MY_LEADS_PURPOSE = "rep-leads"  # the rep's "my leads" link: names the rep only
ACTIONS = ("accept", "decline", "outcome")
_RECENT_ACTIVITIES = 5


def _first(lead_id: str, key: str, at: str, event: tuple[str, dict], **fields: Any) -> Assignment:
    """The first state of an SQL transition's assignment, with its first event."""
    a = Assignment(
        lead_id=lead_id, key=key, sql_at=key, offer=1, reason="routed", routed_at=at, offered_at=at, **fields
    )
    what, detail = event
    return replace(a, history=(a.event(at, what, **detail),))


class Router:
    def __init__(self, playbook, store, mailer, webhooks, signer, clock, public_url: str, scorer, sla_shards: int):
        self._routing = playbook.routing
        self._outcomes = playbook.outcomes
        self._store = store
        self._mailer = mailer
        self._webhooks = webhooks
        self._signer = signer
        self._clock = clock
        self._public_url = public_url
        self._scorer = scorer
        self._shards = sla_shards

    # --- the routing queue's consumer ---------------------------------------
    def route(self, lead_id: str, key: str) -> str:
        """Assign (once) and notify (once) one SQL transition; what happened.
        Nobody to take it: recorded unassigned, and the manager told."""
        a = self._store.assignment(lead_id, key)
        if a is not None:
            return self._notify(a)
        lead = self._store.lead(lead_id)
        if lead is None:
            return "lead gone"
        a, rep = self._assign(lead, key)
        return self._notify(a, rep, lead)

    def _sla_due(self, now, default_owner: bool) -> str | None:
        # the default owner is the end of the line: nobody to reassign to
        return None if default_owner else iso(now + timedelta(minutes=self._routing.sla.minutes))

    def _assign(self, lead: dict[str, Any], key: str) -> tuple[Assignment, Rep | None]:
        now = self._clock.now()
        at = iso(now)
        facts = lead_facts(
            lead.get("profile") or {}, lead.get("attribution") or {}, lead.get("form_id"), lead.get("prediction")
        )
        reps = self._store.reps()
        for target in targets(reps, facts, self._routing, now):
            a = _first(
                lead["lead_id"],
                key,
                at,
                ("routed", {"how": target.how}),
                status=OFFERED,
                rep_id=target.rep.rep_id,
                how=target.how,
                tried=(target.rep.rep_id,),
                sla_due_at=self._sla_due(now, target.is_default_owner),
            )
            try:
                self._store.create(a, bounded=not target.is_default_owner)
                return a, target.rep
            except RepUnavailable:
                continue  # filled up or went out of office since the read: next
            except AlreadyAssigned:
                return self._store.assignment(lead["lead_id"], key), None
        why = why_nobody(reps, facts, self._routing, now)
        a = _first(
            lead["lead_id"],
            key,
            at,
            ("unassigned", {"detail": why}),
            status=UNASSIGNED,
            rep_id=None,
            how=UNASSIGNED,
            unassigned_at=at,
            unassigned_reason=why,
        )
        try:
            self._store.create_unassigned(a)
        except AlreadyAssigned:
            return self._store.assignment(lead["lead_id"], key), None
        return a, None

    def links(self, a: Assignment) -> Links:
        expires = self._clock.now() + timedelta(days=self._routing.link_days)
        token = self._signer.sign(LINK_PURPOSE, {"l": a.lead_id, "k": a.key, "o": a.offer, "r": a.rep_id}, expires)
        base = f"{self._public_url}/rep/{token}"
        return Links(
            page=f"{base}/accept",
            accept=f"{base}/accept",
            decline=f"{base}/decline",
            outcome=f"{base}/outcome",
            my_leads=self.my_leads_link(a.rep_id, expires),
        )

    def my_leads_link(self, rep_id: str, expires) -> str:
        token = self._signer.sign(MY_LEADS_PURPOSE, {"r": rep_id}, expires)
        return f"{self._public_url}/console/rep/{token}"

    def rep_of_my_leads_link(self, token: str) -> str:
        """The rep a "my leads" link names. Raises tokens.InvalidToken."""
        rep_id = self._signer.verify(token, MY_LEADS_PURPOSE, self._clock.now(), expiring=True).get("r")
        if not isinstance(rep_id, str):
            raise InvalidToken("malformed")
        return rep_id

    def _notify(self, a: Assignment, rep: Rep | None = None, lead: dict[str, Any] | None = None) -> str:
        """`rep` and `lead` as just read by the caller, if it has them."""
        if a.status == UNASSIGNED:
            return self._tell_manager(a, lead)
        if a.status != OFFERED or (a.notified_offer >= a.offer and a.webhook_offer >= a.offer):
            return f"offer {a.offer}: nothing left to do"
        rep = rep if rep is not None and rep.rep_id == a.rep_id else self._store.rep(a.rep_id)
        lead = lead or self._store.lead(a.lead_id)
        if rep is None or lead is None:
            return "rep or lead gone"
        links = self.links(a)
        done = []
        if a.notified_offer < a.offer:
            activities = self._store.recent_activities(a.lead_id, _RECENT_ACTIVITIES)
            sla = self._routing.sla.minutes if a.sla_due_at else None
            self._mailer.send(rep_mail(rep.email, rep.locale, lead, activities, a, links, sla))
            sla_rules = self._routing.sla
            if sla_rules.manager_email and a.reason in ("sla", "escalated") and len(a.tried) > 1:
                self._mailer.send(
                    manager_mail(
                        sla_rules.manager_email, sla_rules.manager_locale, lead, a, a.tried[-2], sla_rules.minutes
                    )
                )
            at = iso(self._clock.now())
            first = a.notified_at is None
            try:
                self._store.mark_notified(a, at, notified_counters(a.sql_at, at) if first else None)
            except StaleAssignment:
                return "offer changed while notifying"
            done.append("mailed")
        if rep.webhook_url and a.webhook_offer < a.offer:
            now = self._clock.now()
            result = self._webhooks.post(
                rep.webhook_url, rep.webhook_secret, webhook_payload(lead, a, links), epoch(now)
            )
            failure = (
                None
                if result.ok
                else {
                    "at": iso(now),
                    "rep_id": a.rep_id,
                    "offer": a.offer,
                    "attempts": result.attempts,
                    "error": result.error,
                }
            )
            self._store.mark_webhook(a, iso(now), failure)
            done.append("webhook ok" if result.ok else f"webhook failed ({result.error})")
        return f"offer {a.offer}: {', '.join(done)}"

    def _tell_manager(self, a: Assignment, lead: dict[str, Any] | None) -> str:
        """Once per unassigned spell: the manager hears at once."""
        manager = self._routing.sla.manager_email
        if a.notified_offer >= a.offer:
            return f"offer {a.offer}: unassigned, manager already told"
        lead = lead or self._store.lead(a.lead_id)
        if lead is None:
            return "lead gone"
        if manager:
            self._mailer.send(unassigned_mail(manager, self._routing.sla.manager_locale, lead, a))
        try:
            self._store.mark_notified(a, iso(self._clock.now()), None)
        except StaleAssignment:
            return "taken meanwhile"
        return f"offer {a.offer}: unassigned ({a.unassigned_reason}), " + (
            "manager mailed" if manager else "no manager"
        )

    # --- rep actions ------------------------------------------------------------
    def offer_from_link(self, token: str) -> tuple[Assignment | None, dict]:
        """The assignment a signed link points at (None: gone) and its claims.
        Raises tokens.InvalidToken."""
        claims = self._signer.verify(token, LINK_PURPOSE, self._clock.now())
        return self._store.assignment(claims["l"], claims["k"]), claims

    def current(self, lead_id: str, outcome: str = "", unassigned_too: bool = False) -> Assignment:
        """The lead's open assignment (or unassigned one, for a manager to
        reassign); for a recycle with none open, the last one closed as won
        (taking the win back). Raises NoOpenAssignment."""
        found = self._store.assignments(lead_id)
        wanted = (*OPEN, UNASSIGNED) if unassigned_too else OPEN
        open_ = [a for a in found if a.status in wanted] or [a for a in found if reverses_win(a, outcome)]
        if not open_:
            raise NoOpenAssignment(lead_id)
        return open_[-1]

    @staticmethod
    def _check(a: Assignment, claims: dict | None) -> None:
        if claims and (a.offer != claims["o"] or a.rep_id != claims["r"]):
            raise OfferNotCurrent()

    def accept(self, a: Assignment, claims: dict | None = None) -> Assignment:
        """Raises OfferNotCurrent."""
        self._check(a, claims)
        if a.status == ACCEPTED:
            return a  # twice is once
        if a.status != OFFERED:
            raise OfferNotCurrent()
        at = iso(self._clock.now())
        try:
            self._store.accept(a, at, accepted_counters(a.sql_at, a.notified_at, at))
        except StaleAssignment:
            raise OfferNotCurrent() from None
        return self._store.assignment(a.lead_id, a.key)

    def decline(self, a: Assignment, claims: dict | None = None) -> Assignment:
        """Offers the lead to the next eligible rep; nobody else: unassigned
        (the manager is told, the watcher keeps trying). Raises OfferNotCurrent."""
        self._check(a, claims)
        if a.status != OFFERED:
            raise OfferNotCurrent()
        try:
            try:
                return self._reassign(a, "declined")
            except NoEligibleRep as nobody:
                return self._unassign(a, "declined", str(nobody))
        except StaleAssignment:
            raise OfferNotCurrent() from None

    def reassign(self, a: Assignment, rep_id: str, note: str = "") -> Assignment:
        """A manager hands the lead to a chosen rep (on behalf of the one who
        holds it, or for an unassigned lead). Twice is once: a retry finds it
        already offered to that rep. Raises RepRefused, OfferNotCurrent."""
        if a.rep_id == rep_id and a.status in OPEN:
            return a
        if a.status not in (*OPEN, UNASSIGNED):
            raise OfferNotCurrent()
        rep = self._store.rep(rep_id)
        self._refuse(rep, rep_id)
        now = self._clock.now()
        at = iso(now)
        new = replace(
            reoffered(a, rep_id, "manager", "admin", at, self._sla_due(now, False)),
            status=OFFERED,
            accepted_at=None,  # the new rep has yet to accept
            unassigned_at=None,
            unassigned_reason=None,
        )
        counters = unassigned_counters(a.unassigned_at, at) if a.status == UNASSIGNED else None
        event = a.event(at, "reassigned", reason="admin", to=rep_id, note=note)
        try:
            self._store.reoffer(a, new, True, event, counters)
        except RepUnavailable:
            self._refuse(self._store.rep(rep_id), rep_id)
            raise RepRefused(Reason("rep_at_capacity", {"rep_id": rep_id})) from None
        except StaleAssignment:
            raise OfferNotCurrent() from None
        return new

    @staticmethod
    def _refuse(rep: Rep | None, rep_id: str) -> None:
        """Raises RepRefused when the rep cannot take one more lead now."""
        if rep is None:
            raise RepRefused(Reason("unknown_rep", {"rep_id": rep_id}))
        if rep.out_of_office:
            raise RepRefused(Reason("rep_out_of_office", {"rep_id": rep_id}))
        if rep.capacity_left <= 0:
            raise RepRefused(Reason("rep_at_capacity", {"rep_id": rep_id}))

    def _unassign(self, a: Assignment, reason: str, why: str) -> Assignment:
        """Raises StaleAssignment."""
        at = iso(self._clock.now())
        new = unassigned(a, reason, why, at)
        self._store.reoffer(a, new, False, a.event(at, "unassigned", reason=reason, detail=why))
        return new

    def record_outcome(
        self, a: Assignment, outcome: str, note: str = "", claims: dict | None = None, details: dict | None = None
    ) -> Assignment:
        """`details`: the deal's value or the reason (routing.deal). Raises
        InvalidOutcome, InvalidDetails, NotAccepted, OfferNotCurrent."""
        if outcome not in OUTCOMES:
            raise InvalidOutcome(Reason("unknown_outcome", {"outcome": outcome, "choices": tuple(OUTCOMES)}))
        kept = outcome_details(outcome, {**(details or {}), "note": note}, self._outcomes)
        self._check(a, claims)
        reverses = reverses_win(a, outcome)
        if a.status != ACCEPTED and not reverses:
            raise NotAccepted()
        stage_outcome, closes = OUTCOMES[outcome]
        if stage_outcome:
            lead = self._store.lead(a.lead_id)
            stage_by_sales_outcome(lead["stage"] if lead else "", stage_outcome, note)  # raises before any write
        try:
            self._store.record_outcome(a, outcome, iso(self._clock.now()), closes and not reverses, kept)
        except StaleAssignment:
            raise OfferNotCurrent() from None
        if stage_outcome:
            self._scorer.record_sales_outcome(a.lead_id, stage_outcome, note)
        return self._store.assignment(a.lead_id, a.key)

    def _reassign(self, a: Assignment, reason: str) -> Assignment:
        """Raises NoEligibleRep, StaleAssignment."""
        lead = self._store.lead(a.lead_id)
        if lead is None:
            raise NoEligibleRep("lead gone")
        now = self._clock.now()
        at = iso(now)
        facts = lead_facts(
            lead.get("profile") or {}, lead.get("attribution") or {}, lead.get("form_id"), lead.get("prediction")
        )
        escalate = a.reassignments >= self._routing.sla.max_reassignments
        exclude = frozenset(a.tried) | {a.rep_id}
        reps = self._store.reps()
        for target in targets(reps, facts, self._routing, now, exclude, default_owner_only=escalate):
            why = "escalated" if target.is_default_owner and reason == "sla" else reason
            new = reoffered(a, target.rep.rep_id, target.how, why, at, self._sla_due(now, target.is_default_owner))
            event = a.event(at, "reassigned", reason=why, to=new.rep_id)
            try:
                self._store.reoffer(a, new, not target.is_default_owner, event)
                return new
            except RepUnavailable:
                continue
        raise NoEligibleRep(why_nobody(reps, facts, self._routing, now, exclude))

    # --- the SLA watcher ----------------------------------------------------------
    def sla_due(self, limit: int = 200) -> dict[str, int]:
        """Offers past their SLA, from the sparse index (never a scan): each is
        reassigned or escalated. Overlapping runs are safe: every change is
        conditional on the offer that was read."""
        now = self._clock.now()
        done = {"reassigned": 0, "escalated": 0, "stopped": 0, "skipped": 0, **self._offer_unassigned(now, limit)}
        for shard in range(self._shards):
            for lead_id, key in self._store.due(shard, now, limit):
                a = self._store.assignment(lead_id, key)
                if a is None or a.status != OFFERED or not a.sla_due_at or a.sla_due_at > iso(now):
                    done["skipped"] += 1
                    continue
                try:
                    new = self._reassign(a, "sla")
                    done["escalated" if new.reason == "escalated" else "reassigned"] += 1
                except NoEligibleRep as nobody:
                    self._stop(a, now, str(nobody))
                    done["stopped"] += 1
                except StaleAssignment:
                    done["skipped"] += 1  # another run or a rep got there first
        return done

    def _offer_unassigned(self, now, page: int) -> dict[str, int]:
        """Every unassigned SQL (from the sparse `attention` index: its size
        is the work) is offered again; the new rep hears through the stream
        and the queue, like any new offer."""
        done = {"taken": 0, "unassigned": 0}
        reps, start = None, None
        while True:
            found, start = self._store.needing_attention(UNASSIGNED, page, start)
            for listed in found:
                reps = self._store.reps() if reps is None else reps  # once per run, and only if needed
                done["taken" if self._take_up(listed, reps, now) else "unassigned"] += 1
            if start is None:
                return done

    def _take_up(self, listed: Assignment, reps: list[Rep], now) -> bool:
        a = self._store.assignment(listed.lead_id, listed.key)  # the index lags: read it as it is
        lead = self._store.lead(listed.lead_id) if a is not None and a.status == UNASSIGNED else None
        if lead is None:
            return False
        at = iso(now)
        facts = lead_facts(
            lead.get("profile") or {}, lead.get("attribution") or {}, lead.get("form_id"), lead.get("prediction")
        )
        for target in targets(reps, facts, self._routing, now, frozenset(a.tried)):
            new = taken_up(a, target.rep.rep_id, target.how, at, self._sla_due(now, target.is_default_owner))
            event = a.event(at, "taken up", to=new.rep_id)
            try:
                self._store.reoffer(
                    a, new, not target.is_default_owner, event, unassigned_counters(a.unassigned_at, at)
                )
                return True
            except RepUnavailable:
                continue
            except StaleAssignment:
                return False  # an overlapping run took it
        return False

    def _stop(self, a: Assignment, now, why: str) -> None:
        """Nobody else can take it: it stays the rep's, listed as overdue, and
        the manager hears (once: only the run whose write wins mails)."""
        try:
            self._store.stop_sla(a, iso(now), why)
        except StaleAssignment:
            return
        sla = self._routing.sla
        lead = self._store.lead(a.lead_id)
        if sla.manager_email and lead is not None:
            self._mailer.send(manager_mail(sla.manager_email, sla.manager_locale, lead, a, a.rep_id, sla.minutes))

    # --- erasure ------------------------------------------------------------------
    def release_for_erasure(self, lead_id: str) -> int:
        """Closes the lead's open assignments (freeing the reps' capacity)
        before its partition is deleted; returns how many."""
        closed = 0
        for a in self._store.assignments(lead_id):
            if a.status in OPEN:
                try:
                    self._store.record_outcome(a, "erased", iso(self._clock.now()), closes=True)
                    closed += 1
                except StaleAssignment:
                    log.warning("assignment changed during erasure; released by whoever changed it")
        return closed
