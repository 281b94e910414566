"""Reps in the console: the list with load and capacity left, and an edit
form that changes a rep through the same validation as `PATCH /reps/{id}`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ...clock import iso
from ...storage.routing import UnknownRep
from ..routing import _invalid, _rep_id
from .render import see_other

LISTS = ("pools", "territories", "industries", "company_sizes")


def rep_list(request):
    return request.render(200, "reps", reps=request.services.routing_store.reps())


def _rep(request, rep_id: str):
    rep = request.services.routing_store.rep(_rep_id(rep_id))
    if rep is None:
        raise UnknownRep(rep_id)
    return rep


def rep_form(request, rep_id: str, status: int = 200, errors: dict | None = None):
    return request.render(
        status, "rep", rep=_rep(request, rep_id).public(), lists=LISTS, errors=errors, csrf=request.session.csrf
    )


def _changes(request) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in LISTS:
        changes[name] = [v.strip() for v in request.field(name).split(",") if v.strip()]
    capacity = request.field("capacity").strip()
    changes["capacity"] = int(capacity) if capacity.isdigit() else capacity
    changes["out_of_office"] = request.field("out_of_office") == "on"
    zone = request.field("timezone").strip()
    if zone:
        changes["working_hours"] = {
            "timezone": zone,
            "days": [d.strip() for d in request.field("days").split(",") if d.strip()],
            "start": request.field("start").strip(),
            "end": request.field("end").strip(),
        }
    else:
        changes["working_hours"] = None
    return changes


def save_rep(request, rep_id: str):
    from ...routing.reps import patched

    store = request.services.routing_store
    rep = _rep(request, rep_id)
    try:
        fields = patched(rep, _changes(request))
    except ValidationError as error:
        return rep_form(request, rep_id, 400, dict(_invalid(error).errors))
    store.patch_rep(rep.rep_id, fields, iso(request.services.clock.now()))
    return see_other("/console/reps")
