"""`GET /health`: 200 only when the app could serve a request: its secrets
and playbook load and its table answers."""

from __future__ import annotations

import logging

from .responses import json_response

log = logging.getLogger(__name__)


def _loads(services, part: str) -> bool:
    try:
        getattr(services, part)
    except Exception as error:
        # the type only: a parser's message may quote the secret it choked on
        log.error("health: %s cannot be loaded (%s)", part, type(error).__name__)
        return False
    return True


def health(services) -> object:
    ok = _loads(services, "secrets") and _loads(services, "playbook") and services.leads.reachable()
    return json_response(200 if ok else 503, {"status": "ok" if ok else "unavailable"})
