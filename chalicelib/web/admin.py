"""Admin routes' HTTP side (the authorizer has already let the caller in)."""
from __future__ import annotations

from email_validator import EmailNotValidError

from ..admin.lead_view import lead_view
from ..capture.service import lead_id_for
from ..capture.validation import normalise_email
from ..clock import epoch
from .http import HttpProblem
from .responses import json_response


def _view(services, lead_id: str):
    return lead_view(services.leads.items(lead_id), epoch(services.clock.now()))


def lead_detail(services, lead_id: str) -> object:
    view = _view(services, lead_id)
    if view is None:
        raise HttpProblem(404, {"lead_id": "no such lead"})
    return json_response(200, view)


def find_leads(services, query: dict | None) -> object:
    """`GET /leads?email=`: the lead with that address, found through the
    key derivation (no scan), as a list of zero or one."""
    email = (query or {}).get("email")
    if not email:
        raise HttpProblem(400, {"email": "is required"})
    try:
        lead_id = lead_id_for(normalise_email(email), services.secrets.lead_key)
    except EmailNotValidError:
        raise HttpProblem(400, {"email": "is not a valid e-mail address"}) from None
    view = _view(services, lead_id)
    return json_response(200, {"leads": [view] if view else []})
