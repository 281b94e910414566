"""HTTP side of imports (admin): start one, look at it, page its errors."""

from __future__ import annotations

from pydantic import ValidationError

from ..imports.request import ImportRequest
from ..imports.service import BadImportRequest, UnknownImport, view
from ..reasons import Reason
from .http import HttpProblem, accepted_locale, read_json
from .messages import DEFAULT_LOCALE, MESSAGES, word
from .paging import next_cursor, page_request
from .responses import json_response

_CURSOR = "import-errors-cursor"
_LIST_CURSOR = "imports-cursor"


def start(services, raw_body: bytes | None) -> object:
    try:
        request = ImportRequest.model_validate(read_json(raw_body))
    except ValidationError as error:
        raise HttpProblem(
            400, {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()}
        ) from None
    try:
        import_id, url, expires_at = services.importer.start(
            request.form_id,
            request.consent_mode,
            request.column_map,
            request.dry_run,
            request.update_existing,
            request.size_bytes,
        )
    except BadImportRequest as bad:
        raise HttpProblem(400, bad.errors) from None
    except LookupError:
        raise HttpProblem(404, {"form_id": "no such form"}) from None
    return json_response(201, {"import_id": import_id, "upload_url": url, "expires_at": expires_at})


def job(services, import_id: str):
    try:
        return services.importer.job(import_id)
    except UnknownImport:
        raise HttpProblem(404, {"import_id": "no such import"}) from None


def show(services, import_id: str) -> object:
    return json_response(200, view(job(services, import_id)))


def latest_page(services, query: dict) -> dict:
    """The newest imports first, paged (the JSON list and the console)."""
    limit, after = page_request(services, query, _LIST_CURSOR, "imports")
    jobs, last = services.import_store.latest(limit, after)
    return {"imports": [view(j) for j in jobs], "next_cursor": next_cursor(services, _LIST_CURSOR, "imports", last)}


def latest(services, query: dict | None) -> object:
    return json_response(200, latest_page(services, query or {}))


def error_page(services, import_id: str, query: dict, locale: str) -> dict:
    """One page of an import's refused rows, worded in the locale."""
    job(services, import_id)
    limit, after = page_request(services, query, _CURSOR, import_id)
    items, last = services.import_store.errors(import_id, limit, after)
    return {
        "errors": [
            {"line": int(i.line), "column": i.column, "message": word(Reason(i.reason, i.values.as_dict()), locale)}
            for i in items
        ],
        "next_cursor": next_cursor(services, _CURSOR, import_id, last),
    }


def errors(services, import_id: str, request) -> object:
    locale = accepted_locale(request.headers, MESSAGES, DEFAULT_LOCALE)
    return json_response(200, error_page(services, import_id, request.query_params or {}, locale))
