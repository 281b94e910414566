"""What a rep (and on an SLA breach or when nobody can take a lead, the
manager) is told about a lead: the mail and the Slack-compatible webhook
payload, built from plain data. Every lead value passes `one_line` first:
stored data must never stop a lead's routing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..mail.message import OutgoingMail
from ..mail.templates import render_mail
from ..prediction.explain import likely_to_close
from ..safe_text import one_line, slack_escaped
from .assignment import Assignment


@dataclass(frozen=True)
class Links:
    page: str  # shows the lead and the buttons
    accept: str
    decline: str
    outcome: str
    my_leads: str = ""  # the rep's own console view: every lead they hold


def summary(lead: Mapping[str, Any]) -> dict[str, Any]:
    """The lead as reps see it, each value one clean line."""
    profile = {k: one_line(v) for k, v in (lead.get("profile") or {}).items()}
    address = one_line(lead["email"])
    name = " ".join(p for p in (profile.get("first_name"), profile.get("last_name")) if p) or address
    return {
        "name": name,
        "email": address,
        "company": profile.get("company"),
        "job_title": profile.get("job_title"),
        "phone": profile.get("phone"),
        "country": profile.get("country"),
        "company_size": profile.get("company_size"),
        "industry": profile.get("industry"),
        "score": lead.get("score"),
        "temperature": lead.get("temperature"),
        "stage": lead.get("stage"),
        "likely_to_close": likely_to_close(lead.get("prediction")),
    }


def rep_mail(
    rep_email: str,
    locale: str,
    lead: Mapping[str, Any],
    activities: Sequence[Mapping[str, Any]],
    a: Assignment,
    links: Links,
    sla_minutes: float | None,
) -> OutgoingMail:
    breakdown = sorted(lead.get("score_breakdown") or [], key=lambda c: -abs(c["points"]))
    context = {
        "lead": summary(lead),
        "breakdown": [{k: one_line(v) for k, v in c.items()} for c in breakdown],
        "activities": [{k: one_line(v) for k, v in act.items()} for act in activities],
        "assignment": a,
        "links": links,
        "sla_minutes": sla_minutes,
    }
    return render_mail("rep_assignment", locale, rep_email, context, tags={"kind": "rep_assignment"})


def manager_mail(
    manager_email: str, locale: str, lead: Mapping[str, Any], a: Assignment, previous_rep: str, sla_minutes: float
) -> OutgoingMail:
    """An SLA breach: the lead moved on from `previous_rep`, or (when it is
    still theirs) nobody else could take it and it is overdue."""
    context = {
        "lead": summary(lead),
        "assignment": a,
        "previous_rep": previous_rep,
        "sla_minutes": sla_minutes,
        "stays": a.rep_id == previous_rep,
    }
    return render_mail("sla_missed", locale, manager_email, context, tags={"kind": "sla_missed"})


def unassigned_mail(manager_email: str, locale: str, lead: Mapping[str, Any], a: Assignment) -> OutgoingMail:
    context = {"lead": summary(lead), "assignment": a, "reason": one_line(a.unassigned_reason or "")}
    return render_mail("unassigned", locale, manager_email, context, tags={"kind": "unassigned"})


def webhook_payload(lead: Mapping[str, Any], a: Assignment, links: Links) -> dict[str, Any]:
    """Slack's incoming-webhook shape (`text` + `blocks`) plus the same facts
    as data for other receivers. Lead values in the text are escaped as Slack
    documents, so none can form a link, a mention or a channel ping."""
    facts = summary(lead)
    who = (
        facts["name"]
        + (f", {facts['job_title']}" if facts["job_title"] else "")
        + (f" at {facts['company']}" if facts["company"] else "")
    )
    text = slack_escaped(f"New sales-qualified lead for you: {who} (score {facts['score']}, {facts['temperature']})")
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{links.accept}|Accept> · <{links.decline}|Decline>"},
            },
        ],
        "leadflow": {
            "lead_id": a.lead_id,
            "assignment": a.key,
            "offer": a.offer,
            "rep_id": a.rep_id,
            "lead": facts,
            "accept_url": links.accept,
            "decline_url": links.decline,
        },
    }
