"""The console's Imports page, read only: the newest imports with their
status and counts, and one import with its refused rows, both paged through
the same functions as `GET /imports` and `GET /imports/{id}/errors`."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from ...imports.service import view
from ..http import HttpProblem
from ..imports import error_page, job, latest_page

LIST = "/console/imports"


def _more(path: str, cursor: str | None) -> str | None:
    return f"{path}?{urlencode({'cursor': cursor})}" if cursor else None


def imports(request):
    if request.action is not None:
        raise HttpProblem(404, {"path": "no such page"})
    query = {"cursor": request.query["cursor"]} if request.query.get("cursor") else {}
    if request.item is None:
        found = latest_page(request.services, query)
        return request.render(200, "imports", jobs=found["imports"], one=None, more=_more(LIST, found["next_cursor"]))
    one = view(job(request.services, request.item))
    refused = error_page(request.services, request.item, query, request.reader.locale)
    return request.render(
        200,
        "imports",
        jobs=[],
        one=one,
        refused=refused["errors"],
        more=_more(f"{LIST}/{quote(request.item, safe='')}", refused["next_cursor"]),
    )
