"""Which stream changes lead to what. Each reaction is idempotent and ignores
the consumer's own writes by looking only at the changes it is for."""
from __future__ import annotations

from ..storage.models import ACTIVITY_PREFIX, LEAD_SK, OPT_IN_PREFIX
from .changes import Change
from .consumer import Reaction


def _new_opt_in_request(change: Change) -> bool:
    return change.event == "INSERT" and change.sk.startswith(OPT_IN_PREFIX)


def _scoring_input_changed(change: Change) -> bool:
    """A new activity, or a lead's profile, address or status changed. The
    scorer's own writes (score, stage, rescore time) change none of these."""
    if change.sk.startswith(ACTIVITY_PREFIX):
        return change.event == "INSERT"
    return change.sk == LEAD_SK and change.new is not None and change.changed("profile", "email", "status")


def _nurture_input_changed(change: Change) -> bool:
    """What enrolment and exit depend on changed (confirmation, stage,
    profile, unsubscribing, suppression). Nurture's own writes change none."""
    return change.sk == LEAD_SK and change.new is not None and change.changed(
        "status", "stage", "suppressed", "profile", "form_id", "locale")


def reactions(services) -> list[Reaction]:
    def send_opt_in(change: Change):
        return services.opt_in.send_requested_mail(change.new["lead_id"], change.new["request_id"])

    def rescore(change: Change):
        return services.scorer.rescore(change.new["lead_id"])

    def enrol_or_exit(change: Change):
        return services.nurture.reconcile(change.new["lead_id"])

    return [
        Reaction("opt-in mail", _new_opt_in_request, send_opt_in),
        Reaction("scoring", _scoring_input_changed, rescore),
        Reaction("nurture", _nurture_input_changed, enrol_or_exit),
    ]
