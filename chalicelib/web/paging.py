"""Paged admin lists: `limit` and an opaque, signed `cursor` naming the list
it belongs to (a stage, a status), so a cursor cannot be forged or moved to
another list."""

from __future__ import annotations

from typing import Any

from ..tokens import InvalidToken
from .http import HttpProblem

MAX_PAGE = 100


def page_request(services, query: dict, purpose: str, scope: str) -> tuple[int, Any]:
    """(limit, the key to start after or None). Raises HttpProblem 400."""
    limit = query.get("limit", "25")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        raise HttpProblem(400, {"limit": f"must be a whole number from 1 to {MAX_PAGE}"})
    if not query.get("cursor"):
        return int(limit), None
    try:
        claims = services.signer.verify(query["cursor"], purpose, services.clock.now())
    except InvalidToken:
        raise HttpProblem(400, {"cursor": "is not a cursor this list gave out"}) from None
    if claims.get("s") != scope:
        raise HttpProblem(400, {"cursor": "belongs to another list"})
    return int(limit), claims["k"]


def next_cursor(services, purpose: str, scope: str, last_key: Any) -> str | None:
    return services.signer.sign(purpose, {"s": scope, "k": last_key}) if last_key else None
