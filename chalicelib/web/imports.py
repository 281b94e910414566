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


def _job(services, import_id: str):
    try:
        return services.importer.job(import_id)
    except UnknownImport:
        raise HttpProblem(404, {"import_id": "no such import"}) from None


def show(services, import_id: str) -> object:
    return json_response(200, view(_job(services, import_id)))


def latest(services, query: dict | None) -> object:
    limit, after = page_request(services, query or {}, _LIST_CURSOR, "imports")
    jobs, last = services.import_store.latest(limit, after)
    return json_response(
        200,
        {"imports": [view(job) for job in jobs], "next_cursor": next_cursor(services, _LIST_CURSOR, "imports", last)},
    )


def errors(services, import_id: str, request) -> object:
    _job(services, import_id)
    limit, after = page_request(services, request.query_params or {}, _CURSOR, import_id)
    items, last = services.import_store.errors(import_id, limit, after)
    locale = accepted_locale(request.headers, MESSAGES, DEFAULT_LOCALE)
    return json_response(
        200,
        {
            "errors": [
                {"line": int(i.line), "column": i.column, "message": word(Reason(i.reason, i.values.as_dict()), locale)}
                for i in items
            ],
            "next_cursor": next_cursor(services, _CURSOR, import_id, last),
        },
    )
