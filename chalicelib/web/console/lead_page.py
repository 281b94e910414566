"""The lead page's parts drawn from the lead view (stage history, consent
evidence) and its actions, each through the same service as the JSON API:
an activity or note, a profile edit (the PATCH validation), a sales
outcome, erasure behind the typed address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...clock import iso
from ...routing.assignment import OUTCOMES
from ...routing.deal import MAX_NOTE, PERIOD_MONTHS
from ...storage.errors import UnknownLead
from ...storage.leads import plain
from .render import see_other


def stage_history(view: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Each stage the lead was in, oldest first, with how long it stayed
    (the current one: until now)."""
    changes = sorted(view["stage_changes"], key=lambda c: c["at"])
    entered = [("subscriber", view.get("created_at"), None)] + [(c["to_stage"], c["at"], c) for c in changes]
    rows = []
    for index, (stage, at, change) in enumerate(entered):
        until = entered[index + 1][1] if index + 1 < len(entered) else iso(now)
        seconds = None
        if at and until and until >= at:
            seconds = (datetime.fromisoformat(until) - datetime.fromisoformat(at)).total_seconds()
        rows.append(
            {
                "stage": stage,
                "from_stage": change["from_stage"] if change else None,
                "at": at,
                "reason": change.get("reason") if change else None,
                "seconds": seconds,
                "current": index + 1 == len(entered),
            }
        )
    return rows


def consent_evidence(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Each consent with the opt-in mail that asked for its confirmation
    (the send record: when, template, SES message id)."""
    mails = sorted(view["opt_in_mails"], key=lambda m: m.get("requested_at") or "")
    evidence = []
    for consent in sorted(view["consents"], key=lambda c: c["given_at"]):
        sent = [m for m in mails if (m.get("requested_at") or "") >= consent["given_at"] and m.get("sent_at")]
        evidence.append({**consent, "opt_in_mail": sent[0] if sent else None})
    return evidence


def outcome_form(services) -> dict[str, Any]:
    """What the outcome form offers (the lead page's and the rep's view)."""
    return {
        "outcomes": list(OUTCOMES),
        "reasons": list(services.playbook.outcomes.reasons),
        "periods": list(PERIOD_MONTHS),
        "note_limit": MAX_NOTE,
    }


def _lead(request, lead_id: str):
    """The lead item alone (one GetItem). Raises UnknownLead."""
    lead = request.services.leads.get(lead_id)
    if lead is None:
        raise UnknownLead(lead_id)
    return lead


def _lead_url(lead_id: str) -> str:
    return f"/console/leads/{lead_id}"


def add_activity(request, lead_id: str):
    body: dict[str, Any] = {"type": request.field("type")}
    note = request.field("note").strip()
    if note:
        body["data"] = {"note": note}
    request.services.activities.record_server(lead_id, body)
    return see_other(_lead_url(lead_id))


def edit_profile(request, lead_id: str):
    """Sends only what changed: a cleared field is removed (null), as PATCH does."""
    current = plain(_lead(request, lead_id).profile) or {}
    changes: dict[str, Any] = {}
    for name, values in request.form.items():
        if not name.startswith("profile."):
            continue
        field, value = name[len("profile.") :], values[0].strip()
        if value == "" and field in current:
            changes[field] = None
        elif value and str(current.get(field, "")) != value:
            changes[field] = value
    if changes:
        request.services.activities.edit_profile(lead_id, {"profile": changes})
    return see_other(_lead_url(lead_id))


def record_outcome(request, lead_id: str):
    """The deal's value or the reason ride along as the admin API's details;
    a refused detail raises before anything is written."""
    router, outcome = request.services.router, request.field("outcome")
    router.record_outcome(router.current(lead_id, outcome), outcome, request.field("note"), details=request.fields())
    return see_other(_lead_url(lead_id))


def erase(request, lead_id: str):
    if request.field("confirm").strip().lower() != _lead(request, lead_id).email.lower():
        t = request.t
        return request.message(400, t["not_done_title"], t["erase_mismatch"], back=_lead_url(lead_id))
    request.services.erasure.erase(lead_id)
    return request.message(200, request.t["erased_title"], request.t["erased_intro"], back="/console/leads")


ACTIONS = {"activity": add_activity, "profile": edit_profile, "outcome": record_outcome, "erase": erase}
