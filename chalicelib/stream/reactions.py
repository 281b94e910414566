"""Which stream changes lead to what. Each reaction is idempotent and ignores
the consumer's own writes by looking only at the changes it is for."""

from __future__ import annotations

from ..analytics.revenue_service import is_sales_event
from ..analytics.service import is_opt_out, is_transition
from ..prediction.changes import facts_may_have_changed, outcome_recorded
from ..storage.models import ACTIVITY_PREFIX, ASSIGNMENT_PREFIX, LEAD_SK, STAGE_PREFIX
from ..storage.reputation import EVENTS_PK
from .changes import Change
from .consumer import Reaction


def _new_opt_in_request(change: Change) -> bool:
    """A signup asked for an opt-in mail: the lead names a new request."""
    return (
        change.sk == LEAD_SK
        and change.new is not None
        and bool(change.new.get("opt_in_request_id"))
        and change.changed("opt_in_request_id")
    )


def _scoring_input_changed(change: Change) -> bool:
    """A new activity, or a lead's profile, address or status changed. The
    scorer's own writes (score, stage, rescore time) change none of these."""
    if change.sk.startswith(ACTIVITY_PREFIX):
        return change.event == "INSERT"
    return change.sk == LEAD_SK and change.new is not None and change.changed("profile", "email", "status")


def _became_sql(change: Change) -> bool:
    return change.event == "INSERT" and change.sk.startswith(STAGE_PREFIX) and change.new.get("to_stage") == "sql"


def _offered_anew(change: Change) -> bool:
    """A reassignment (decline, SLA) or the watcher moved the offer on: the
    new rep must hear (or, for an unassigned spell, the manager). The first
    offer is notified by the router that made it."""
    return (
        change.event == "MODIFY"
        and change.sk.startswith(ASSIGNMENT_PREFIX)
        and change.changed("offer")
        and change.new.get("status") in ("offered", "unassigned")
    )


def _nurture_input_changed(change: Change) -> bool:
    """What enrolment and exit depend on changed (confirmation, stage,
    profile, unsubscribing, suppression). Nurture's own writes change none."""
    return (
        change.sk == LEAD_SK
        and change.new is not None
        and change.changed("status", "stage", "suppressed", "profile", "form_id", "locale")
    )


def _sending_guard_acted(change: Change) -> bool:
    """The sending guard paused or resumed (a new event item)."""
    return change.event == "INSERT" and change.pk == EVENTS_PK


def reactions(services) -> list[Reaction]:
    def send_opt_in(change: Change):
        return services.opt_in.send_requested_mail(change.lead_id, change.new["opt_in_request_id"])

    def rescore(change: Change):
        return services.scorer.rescore(change.lead_id)

    def queue_sql(change: Change):
        lead_id, key = change.lead_id, change.new["at"]
        # a record redelivered after the queue's 5-minute deduplication window
        if services.routing_store.assignment(lead_id, key) is not None:
            return "already routed"
        return f"queued {services.routing_queue.send(lead_id, key, 1)}"

    def queue_offer(change: Change):
        return f"queued {services.routing_queue.send(change.lead_id, change.new['key'], change.new['offer'])}"

    def count_outcome(change: Change):
        at = change.new.get("closed_at") or change.new.get("offered_at")
        return services.predictor.count_outcome(change.lead_id, change.sk, change.new["outcome"], at)

    def predict(change: Change):
        return services.predictor.refresh(change.lead_id)

    def enrol_or_exit(change: Change):
        return services.nurture.reconcile(change.lead_id)

    return [
        Reaction("opt-in mail", _new_opt_in_request, send_opt_in),
        Reaction("scoring", _scoring_input_changed, rescore),
        Reaction("sql to routing queue", _became_sql, queue_sql),
        Reaction("new offer to routing queue", _offered_anew, queue_offer),
        Reaction("funnel counters", is_transition, services.funnel.count),
        Reaction("opt-out counters", is_opt_out, services.funnel.count_opt_out),
        Reaction("revenue counters", is_sales_event, services.revenue.count),
        Reaction("nurture", _nurture_input_changed, enrol_or_exit),
        Reaction("prediction counters", outcome_recorded, count_outcome),
        Reaction("prediction", facts_may_have_changed, predict),
        Reaction(
            "integration webhooks to their queue", services.outbound.wants, services.outbound.enqueue, any_item=True
        ),
        Reaction(
            "sending guard to the manager",
            _sending_guard_acted,
            lambda change: services.guard_announcements.announce(change.sk),
            any_item=True,
        ),
    ]
