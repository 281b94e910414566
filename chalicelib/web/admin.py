"""Admin routes' HTTP side (the authorizer has already let the caller in)."""

from __future__ import annotations

from email_validator import EmailNotValidError

from ..admin.gdpr import export_document, timeline
from ..admin.lead_view import _HIDDEN, lead_view
from ..capture.service import lead_id_for
from ..capture.validation import normalise_email
from ..clock import epoch, iso
from ..scoring.stages import STAGES
from ..storage.leads import as_models, partition_raw
from ..storage.raw import plain_item
from .http import HttpProblem
from .paging import next_cursor, page_request
from .responses import json_response

_CURSOR = "leads-cursor"


def lead_with_timeline(services, lead_id: str, read=partition_raw):
    """The lead with its score breakdown and timeline: one Query (or what
    `read` returns of the partition)."""
    raw = read(lead_id)
    now = epoch(services.clock.now())
    view = lead_view(as_models(raw), now)
    if view is not None:
        view["timeline"] = timeline([plain_item(r) for r in raw], frozenset(_HIDDEN), now)
    return view


def lead_detail(services, lead_id: str) -> object:
    view = lead_with_timeline(services, lead_id)
    if view is None:
        raise HttpProblem(404, {"lead_id": "no such lead"})
    return json_response(200, view)


def find_leads(services, query: dict | None) -> object:
    """`GET /leads?email=`: the lead with that address, found through the
    key derivation (no scan), as a list of zero or one. `GET /leads?stage=`:
    a page of the stage's leads, best score first."""
    query = query or {}
    if query.get("stage") and not query.get("email"):
        return _leads_in_stage(services, query)
    email = query.get("email")
    if not email:
        raise HttpProblem(400, {"email": "is required (or stage)"})
    try:
        lead_id = lead_id_for(normalise_email(email), services.secrets.lead_key)
    except EmailNotValidError:
        raise HttpProblem(400, {"email": "is not a valid e-mail address"}) from None
    view = lead_with_timeline(services, lead_id)
    return json_response(200, {"leads": [view] if view else []})


def _leads_in_stage(services, query: dict) -> object:
    from ..storage.lead_list import ORDERS, leads_in_stage, leads_in_stage_filtered
    from .lead_filters import list_filters

    stage, by = query["stage"], query.get("sort", "score")
    if stage not in STAGES:
        raise HttpProblem(400, {"stage": f"must be one of {', '.join(STAGES)}"})
    if by not in ORDERS:
        raise HttpProblem(400, {"sort": f"must be one of {', '.join(ORDERS)}"})
    filters = list_filters(query)
    if filters and by != "score":
        raise HttpProblem(400, {"sort": "the filters apply to the list by score only"})
    # a cursor belongs to one stage in one order with one set of filters
    scope = "#".join([stage, *([by] if by != "score" else []), *(f"{k}={v}" for k, v in sorted(filters.items()))])
    limit, start = page_request(services, query, _CURSOR, scope)
    if filters:
        leads, last_key = leads_in_stage_filtered(stage, filters, limit, start)
    else:
        leads, last_key = leads_in_stage(stage, limit, start, by)
    cursor = next_cursor(services, _CURSOR, scope, last_key)
    return json_response(200, {"leads": leads, "next_cursor": cursor})


def export_lead(services, lead_id: str) -> object:
    """`GET /leads/{id}/export`: everything stored about the person."""
    from ..storage.erasure import ErasureStore

    now = services.clock.now()
    document = export_document(ErasureStore.partition(lead_id), iso(now), epoch(now))
    if document is None:
        raise HttpProblem(404, {"lead_id": "no such lead"})
    return json_response(200, document, {"Content-Disposition": f'attachment; filename="lead-{lead_id}.json"'})


def erase_lead(services, lead_id: str) -> object:
    return json_response(200, services.erasure.erase(lead_id))
