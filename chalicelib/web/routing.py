"""HTTP side of routing: reps (admin), a lead's assignments and the admin's
accept / decline / outcome, the rep's signed links (GET shows a page and
changes nothing, as mail scanners prefetch links; POST acts) and the
speed-to-lead report."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

from pydantic import ValidationError

from ..clock import iso
from ..routing.assignment import ACCEPTED, OFFERED, OUTCOMES
from ..routing.deal import PERIOD_MONTHS
from ..routing.notify import summary
from ..routing.reps import REP_ID, RepInput, patched
from ..routing.service import ACTIONS
from ..routing.speed import days, report
from ..storage.routing import ATTENTION, UnknownRep
from ..tokens import InvalidToken
from .http import HttpProblem, read_json
from .messages import word
from .pages import reader_locale, render_page
from .paging import next_cursor, page_request
from .responses import empty_response, html_response, json_response, problem
from .texts import TEXTS

_CURSOR = "assignments-cursor"


def _rep_id(rep_id: str) -> str:
    if not REP_ID.match(rep_id):
        raise HttpProblem(400, {"rep_id": "lower-case letters, digits, - and _ (at most 64)"})
    return rep_id


# --- reps ------------------------------------------------------------------------
def _invalid(error: ValidationError) -> HttpProblem:
    return HttpProblem(400, {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()})


def put_rep(services, rep_id: str, raw_body: bytes | None) -> object:
    rep_id = _rep_id(rep_id)
    try:
        rep = RepInput.model_validate(read_json(raw_body))
    except ValidationError as error:
        raise _invalid(error) from None
    created = services.routing_store.put_rep(rep_id, rep.stored(), iso(services.clock.now()))
    return json_response(201 if created else 200, services.routing_store.rep(rep_id).public())


def patch_rep(services, rep_id: str, raw_body: bytes | None) -> object:
    """Changes only the fields the body names; 404 for an unknown rep."""
    store = services.routing_store
    changes = read_json(raw_body)
    rep = store.rep(_rep_id(rep_id))
    if rep is None:
        raise UnknownRep(rep_id)
    try:
        fields = patched(rep, changes)
    except ValidationError as error:
        raise _invalid(error) from None
    store.patch_rep(rep_id, fields, iso(services.clock.now()))
    return json_response(200, store.rep(rep_id).public())


def get_rep(services, rep_id: str) -> object:
    rep = services.routing_store.rep(_rep_id(rep_id))
    if rep is None:
        raise UnknownRep(rep_id)
    return json_response(200, rep.public())


def list_reps(services) -> object:
    return json_response(200, {"reps": [rep.public() for rep in services.routing_store.reps()]})


def delete_rep(services, rep_id: str) -> object:
    services.routing_store.delete_rep(_rep_id(rep_id))
    return empty_response(204)


# --- admin on a lead's assignment --------------------------------------------------
def lead_assignments(services, lead_id: str) -> object:
    return json_response(200, {"assignments": [a.view() for a in services.routing_store.assignments(lead_id)]})


def needing_attention(services, query: dict | None) -> object:
    """`GET /assignments?status=unassigned|overdue`: oldest first, paged."""
    query = query or {}
    status = query.get("status", "")
    if status not in ATTENTION:
        raise HttpProblem(400, {"status": f"must be one of {', '.join(ATTENTION)}"})
    limit, start = page_request(services, query, _CURSOR, status)
    found, last_key = services.routing_store.needing_attention(status, limit, start)
    views = [a.view() for a in found]
    return json_response(200, {"assignments": views, "next_cursor": next_cursor(services, _CURSOR, status, last_key)})


ADMIN_ACTIONS = (*ACTIONS, "reassign")  # a manager's choice of rep; never a rep's link


def admin_act(services, lead_id: str, action: str, raw_body: bytes | None) -> object:
    if action not in ADMIN_ACTIONS:
        raise HttpProblem(404, {"action": f"one of {', '.join(ADMIN_ACTIONS)}"})
    body = read_json(raw_body)
    router = services.router
    outcome = str(body.get("outcome", "")) if action == "outcome" else ""
    a = router.current(lead_id, outcome, unassigned_too=action == "reassign")
    if action == "accept":
        a = router.accept(a)
    elif action == "decline":
        a = router.decline(a)
    elif action == "reassign":
        a = router.reassign(a, str(body.get("rep_id", "")), str(body.get("reason", "")))
    else:
        a = router.record_outcome(a, outcome, str(body.get("note", "")), details=body)
    return json_response(200, a.view())


# --- the rep's signed links -----------------------------------------------------------
def _page(status: int, locale: str, title: str, message: str, headers=None, **context) -> object:
    context.setdefault("lead", None)
    for name in ("form", "action_url", "outcome_url"):
        context.setdefault(name, None)
    context.setdefault("reasons", ())
    context.setdefault("refusals", ())
    return html_response(
        status,
        render_page(
            "rep_action",
            locale,
            title=title,
            message=message,
            outcomes=list(OUTCOMES),
            periods=list(PERIOD_MONTHS),
            **context,
        ),
        headers,
    )


def _offer(services, token: str, action: str, headers):
    """(assignment, claims, locale, None) or a refusal page as the last item.
    The rep's own language once the link names a rep; before that, and for a
    rep deleted meanwhile, the reader's."""
    locale = reader_locale(headers)
    t = TEXTS[locale]
    if action not in ACTIONS:
        return None, None, locale, _page(404, locale, t["link_invalid_title"], t["link_invalid_intro"])
    try:
        a, claims = services.router.offer_from_link(token)
    except (InvalidToken, KeyError):
        return None, None, locale, _page(404, locale, t["link_invalid_title"], t["link_invalid_intro"])
    rep = services.routing_store.rep(claims["r"])
    locale = rep.locale if rep else locale
    if a is None:
        t = TEXTS[locale]
        return None, None, locale, _page(404, locale, t["rep_lead_gone_title"], t["rep_lead_gone_intro"])
    return a, claims, locale, None


def _outcome_form(services, token: str, lead: dict | None) -> dict:
    return {
        "lead": summary(lead) if lead else None,
        "form": "outcome",
        "action_url": f"{services.settings.public_url}/rep/{token}/outcome",
        "reasons": services.playbook.outcomes.reasons,
    }


def _state_page(services, token: str, a, claims, action: str, lead: dict | None, locale: str) -> object:
    t = TEXTS[locale]
    base = f"{services.settings.public_url}/rep/{token}"
    shown = summary(lead) if lead else None
    mine = a.offer == claims["o"] and a.rep_id == claims["r"]
    if not mine:
        return _page(409, locale, t["rep_not_yours_title"], t["rep_not_yours_intro"])
    if a.status == OFFERED and action in ("accept", "decline"):
        title = t[f"rep_{action}_title"]
        return _page(200, locale, title, t["rep_waiting"], lead=shown, form=action, action_url=f"{base}/{action}")
    if a.status == ACCEPTED:
        if action == "outcome":
            intro = t["rep_outcome_intro"].format(at=a.accepted_at)
            return _page(200, locale, t["rep_outcome_title"], intro, **_outcome_form(services, token, lead))
        intro = t["rep_accepted_intro"].format(at=a.accepted_at)
        return _page(200, locale, t["rep_accepted_title"], intro, lead=shown, outcome_url=f"{base}/outcome")
    if a.status == OFFERED:
        return _page(409, locale, t["rep_not_accepted_title"], t["rep_not_accepted_intro"], lead=shown)
    return _page(200, locale, t["rep_closed_title"], t["rep_closed_intro"].format(outcome=a.outcome))


def _refused(services, token: str, a, action: str, answer: HttpProblem, locale: str) -> object:
    """What was refused, field by field in the rep's words; a refused outcome
    shows its form again so the rep can put it right."""
    t = TEXTS[locale]
    refusals = [(t.get(f"rep_field_{name}", name), word(reason, locale)) for name, reason in answer.errors.items()]
    again = {}
    if action == "outcome" and answer.status == 400:
        again = _outcome_form(services, token, services.routing_store.lead(a.lead_id))
    return _page(answer.status, locale, t["rep_refused_title"], "", answer.headers, refusals=refusals, **again)


def show_link(services, token: str, action: str, request) -> object:
    a, claims, locale, failed = _offer(services, token, action, request.headers)
    if failed:
        return failed
    return _state_page(services, token, a, claims, action, services.routing_store.lead(a.lead_id), locale)


def act_link(services, token: str, action: str, request) -> object:
    raw_body = request.raw_body
    a, claims, locale, failed = _offer(services, token, action, request.headers)
    if failed:
        return failed
    router = services.router
    try:
        if action == "accept":
            a = router.accept(a, claims)
        elif action == "decline":
            router.decline(a, claims)
            t = TEXTS[locale]
            return _page(200, locale, t["rep_declined_title"], t["rep_declined_intro"])
        else:
            fields = {k: v[0] for k, v in parse_qs((raw_body or b"").decode("utf-8", "replace")).items()}
            a = router.record_outcome(a, fields.get("outcome", ""), fields.get("note", ""), claims, details=fields)
    except Exception as error:
        answer = problem(error)
        if answer is None:
            raise
        return _refused(services, token, a, action, answer, locale)
    return _state_page(services, token, a, claims, action, services.routing_store.lead(a.lead_id), locale)


# --- report -------------------------------------------------------------------------
def speed_to_lead(services, query: dict | None) -> object:
    query = query or {}
    try:
        start, end = date.fromisoformat(query.get("from", "")), date.fromisoformat(query.get("to", ""))
    except ValueError:
        raise HttpProblem(400, {"from": "from and to are required, as YYYY-MM-DD"}) from None
    try:
        wanted = days(start, end)
    except ValueError as error:
        raise HttpProblem(400, {"to": str(error)}) from None
    return json_response(200, report(services.routing_store.day_counters(wanted[0], wanted[-1]), wanted[0], wanted[-1]))
