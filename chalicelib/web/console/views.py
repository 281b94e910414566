"""The console's pages for a signed-in admin: each takes the console Request
and answers a page, calling the same services as the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from email_validator import EmailNotValidError

from ...routing.assignment import OPEN
from ...scoring.stages import STAGES
from ...storage.routing import ATTENTION
from ..admin import lead_with_timeline
from ..http import HttpProblem
from ..lead_filters import TEMPERATURES, list_filters
from ..paging import next_cursor, page_request
from .render import see_other

FUNNEL_DAYS = 30
# the lead page shows the newest activities (the export holds them all)
TIMELINE_ACTIVITIES = 100
PROFILE_FIELDS = ("first_name", "last_name", "company", "job_title", "phone", "country", "company_size", "industry")
_LEADS_CURSOR = "leads-cursor"  # the JSON list's cursor purpose: a cursor works on both


def _csrf(request) -> str:
    return request.session.csrf


# --- overview ------------------------------------------------------------------------
def overview(request):
    from ...analytics.svg import WIDTH, funnel_bars, funnel_height
    from ...routing.speed import report as speed_report
    from .sending import sending_state

    services = request.services
    today = services.clock.now().date()
    first = today - timedelta(days=FUNNEL_DAYS - 1)
    funnel = services.funnel.report({"from": first.isoformat(), "to": today.isoformat()})
    speed = speed_report(
        services.routing_store.day_counters(first.isoformat(), today.isoformat()), first.isoformat(), today.isoformat()
    )
    revenue = services.revenue.report({"from": first.isoformat(), "to": today.isoformat()})
    waiting = {}
    if request.session.may("admin"):
        waiting = {status: services.routing_store.needing_attention(status, 25)[0] for status in ATTENTION}
    return request.render(
        200,
        "overview",
        funnel=funnel,
        bars=funnel_bars(funnel["stages"]),
        chart={"width": WIDTH, "height": funnel_height(len(funnel["stages"]))},
        speed=speed,
        waiting=waiting,
        revenue=revenue,
        channels=_channels(revenue),
        sending_days=FUNNEL_DAYS,
        sending=sending_state(services.deliverability.report(first, today)),
        csrf=_csrf(request),
    )


def _channels(revenue: dict) -> list[tuple[str, str, list]]:
    """(kind, name, money rows) of every channel with money, all first."""
    channels = [("total", "", revenue["total"]["money"])]
    channels += [("source", c["source"], c["money"]) for c in revenue["by_source"]]
    channels += [("campaign", c["campaign"], c["money"]) for c in revenue["by_campaign"]]
    return [channel for channel in channels if channel[2]]


# --- leads ------------------------------------------------------------------------------
def leads(request):
    if request.item is None:
        return _lead_list(request)
    if request.action == "export":
        from ..admin import export_lead

        return export_lead(request.services, request.item)
    if request.action is not None:
        raise HttpProblem(404, {"path": "no such page"})
    return _lead_page(request, request.item)


def _lead_list(request):
    from ...storage.lead_list import leads_in_stage, leads_in_stage_filtered

    services, query = request.services, request.query
    email = query.get("email", "").strip()
    if email:
        return _find_by_email(request, email)
    stage = query.get("stage") or "lead"
    if stage not in STAGES:
        raise HttpProblem(400, {"stage": f"must be one of {', '.join(STAGES)}"})
    filters = list_filters(query)
    scope = "#".join([stage, *(f"{k}={v}" for k, v in sorted(filters.items()))])
    limit, start = page_request(services, query, _LEADS_CURSOR, scope)
    if filters:
        found, last_key = leads_in_stage_filtered(stage, filters, limit, start)
    else:
        found, last_key = leads_in_stage(stage, limit, start)
    cursor = next_cursor(services, _LEADS_CURSOR, scope, last_key)
    kept = {"stage": stage, **filters, **({"limit": query["limit"]} if query.get("limit") else {})}
    more = "?" + urlencode({**kept, "cursor": cursor}) if cursor else None
    chosen = {"stage": stage, "temperature": "", "source": "", "campaign": "", **filters, "email": ""}
    return _list_page(request, found, chosen, more)


def _list_page(request, found: list, chosen: dict, more: str | None):
    return request.render(200, "leads", leads=found, stages=STAGES, temperatures=TEMPERATURES, chosen=chosen, more=more)


def _find_by_email(request, email: str):
    from ...capture.service import lead_id_for
    from ...capture.validation import normalise_email

    try:
        lead_id = lead_id_for(normalise_email(email), request.services.secrets.lead_key)
    except EmailNotValidError:
        raise HttpProblem(400, {"email": "is not a valid e-mail address"}) from None
    from ...storage.lead_list import list_row

    lead = request.services.leads.get(lead_id)  # one GetItem
    chosen = {"stage": "", "temperature": "", "source": "", "campaign": "", "email": email}
    return _list_page(request, [list_row(lead)] if lead else [], chosen, None)


def _lead_page(request, lead_id: str, status: int = 200, errors: dict | None = None):
    from ...storage.lead_page import partition_with_recent_activities
    from .charts import score_bars
    from .lead_page import consent_evidence, outcome_form, stage_history

    view = lead_with_timeline(
        request.services, lead_id, lambda lead: partition_with_recent_activities(lead, TIMELINE_ACTIVITIES)
    )
    if view is None:
        raise HttpProblem(404, {"lead_id": "no such lead"})
    open_assignment = next((a for a in reversed(view["assignments"]) if a.get("status") in OPEN), None)
    profile = view.get("profile") or {}
    editable = list(PROFILE_FIELDS) + sorted(k for k in profile if k not in PROFILE_FIELDS)
    return request.render(
        status,
        "lead",
        lead=view,
        profile=profile,
        editable=editable,
        bars=score_bars(view["scoring"]["breakdown"]),
        history=stage_history(view, request.services.clock.now()),
        consents=consent_evidence(view),
        timeline=list(reversed(view["timeline"])),
        activities_cut=len(view["activities"]) >= TIMELINE_ACTIVITIES,
        open_assignment=open_assignment,
        **outcome_form(request.services),
        activity_types=sorted(
            n for n, kind in request.services.playbook.activities.types.items() if "server" in kind.sources
        ),
        errors=errors,
        csrf=_csrf(request),
    )


def lead_action(request):
    from .lead_page import ACTIONS

    act = ACTIONS.get(request.action or "")
    if request.item is None or act is None:
        raise HttpProblem(404, {"path": "no such action"})
    return act(request, request.item)


# --- assignments --------------------------------------------------------------------------
def assignments(request):
    store = request.services.routing_store
    waiting = {status: store.needing_attention(status, 50)[0] for status in ATTENTION}
    reps = store.reps()
    return request.render(200, "assignments", waiting=waiting, reps=reps, csrf=_csrf(request))


def assignment_action(request):
    router = request.services.router
    lead_id = request.item or ""
    if request.action in ("accept", "decline"):
        current = router.current(lead_id)
        (router.accept if request.action == "accept" else router.decline)(current)
    elif request.action == "reassign":
        current = router.current(lead_id, unassigned_too=True)
        router.reassign(current, request.field("rep_id"), request.field("reason"))
    else:
        raise HttpProblem(404, {"path": "no such action"})
    back = request.field("back")
    return see_other(back if back.startswith("/console/") else "/console/assignments")


# --- reps ----------------------------------------------------------------------------------
def reps(request):
    from .reps_page import rep_form, rep_list

    return rep_list(request) if request.item is None else rep_form(request, request.item)


def rep_change(request):
    from .reps_page import save_rep

    return save_rep(request, request.item or "")


# --- sending ---------------------------------------------------------------------------------
def sending(request):
    from .sending import resume

    return resume(request)


# --- imports --------------------------------------------------------------------------------
def imports(request):
    from .imports_page import imports

    return imports(request)


# --- playbook --------------------------------------------------------------------------------
def playbook(request):
    book = request.services.playbook
    sections = {
        "forms": {
            name: form.model_dump(mode="json", by_alias=True, exclude_none=True) for name, form in book.forms.items()
        },
        "scoring_rules": book.scoring.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"stages"}),
        "thresholds": book.scoring.stages.model_dump(mode="json", by_alias=True, exclude_none=True),
        "sequences": book.nurture.model_dump(mode="json", by_alias=True, exclude_none=True).get("sequences", {}),
        "routing_rules": book.routing.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    return request.render(200, "playbook", version=book.version, sections=sections)


PAGES: dict[tuple[str, str], Any] = {
    ("overview", "GET"): overview,
    ("leads", "GET"): leads,
    ("leads", "POST"): lead_action,
    ("assignments", "GET"): assignments,
    ("assignments", "POST"): assignment_action,
    ("reps", "GET"): reps,
    ("reps", "POST"): rep_change,
    ("playbook", "GET"): playbook,
    ("sending", "POST"): sending,
    ("imports", "GET"): imports,
}
