"""A rep's own view, "my leads", from the signed link in their mail: no
admin token and no session, the link names the rep. It lists only the
assignments the rep item says the rep holds (`open_leads`, kept in the
same transactions as the rep's load) and the leads behind them, and acts
only on those: accept, decline, record the outcome."""

from __future__ import annotations

from ...routing.assignment import OPEN
from ...routing.notify import summary
from ...tokens import InvalidToken
from ..http import HttpProblem
from .lead_page import outcome_form
from .render import see_other
from .session import link_csrf, link_csrf_ok


def _held(services, rep_id: str) -> list[tuple]:
    """(assignment, lead summary) of what the rep holds: the rep item, then
    one assignment and one lead read per held lead (at most its capacity)."""
    store = services.routing_store
    rep = store.rep(rep_id)
    if rep is None:
        return []
    found = []
    for held in rep.open_leads:
        lead_id, _, key = held.partition("#")
        a = store.assignment(lead_id, key)
        lead = store.lead(lead_id) if a is not None else None
        if a is not None and lead is not None and a.rep_id == rep_id and a.status in OPEN:
            found.append((a, summary(lead)))
    return found


def handle(request):
    services = request.services
    token = request.item or ""
    try:
        rep_id = services.router.rep_of_my_leads_link(token)
    except InvalidToken:
        return request.message(404, request.t["not_found_title"], request.t["rep_link_invalid"])
    if request.method == "GET" and request.action is None:
        held = _held(services, rep_id)
        return request.render(
            200,
            "my_leads",
            held=held,
            csrf=link_csrf(services.signer, token),
            token=token,
            **outcome_form(services),
        )
    if request.method != "POST" or request.action not in ("accept", "decline", "outcome"):
        raise HttpProblem(404, {"path": "no such page"})
    if not link_csrf_ok(services.signer, token, request.field("_csrf"), services.clock.now()):
        return request.message(403, request.t["csrf_title"], request.t["csrf_intro"])
    _act(services, rep_id, request)
    return see_other(f"/console/rep/{token}")


def _act(services, rep_id: str, request) -> None:
    """Raises OfferNotCurrent (answered or moved meanwhile), NotAccepted,
    InvalidOutcome, HttpProblem 404 (not the rep's)."""
    wanted = request.field("lead")
    mine = [a for a, _ in _held(services, rep_id) if a.lead_id == wanted]
    if not mine:
        raise HttpProblem(404, {"lead": "not one of your leads"})
    a = mine[0]
    router, claims = services.router, {"o": a.offer, "r": rep_id}
    if request.action == "accept":
        router.accept(a, claims)
    elif request.action == "decline":
        router.decline(a, claims)
    else:
        router.record_outcome(a, request.field("outcome"), request.field("note"), claims, details=request.fields())
