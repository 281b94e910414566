"""Reports and campaign spend over HTTP (admin and reporting scopes)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from chalice import Response

from ..analytics.funnel import InvalidRange, parse_range
from .http import HttpProblem
from .responses import SECURITY_HEADERS, json_response


def _funnel(services, query: dict | None) -> dict:
    try:
        return services.funnel.report(query or {})
    except InvalidRange as error:
        raise HttpProblem(400, {"range": str(error)}) from None


def funnel_report(services, query: dict | None) -> Response:
    return json_response(200, _funnel(services, query))


def funnel_picture(services, query: dict | None) -> Response:
    from ..analytics.svg import funnel_svg

    return Response(
        body=funnel_svg(_funnel(services, query)),
        status_code=200,
        headers={"Content-Type": "image/svg+xml", "Cache-Control": "no-store", **SECURITY_HEADERS},
    )


def set_spend(services, campaign: str, raw_body: bytes | None) -> Response:
    """PUT /campaigns/{campaign}/spend {"amount", "currency", "period": {"from", "to"}}."""
    try:
        body = json.loads(raw_body or b"")
    except ValueError:
        raise HttpProblem(400, {"body": "is not valid JSON"}) from None
    if not isinstance(body, dict):
        raise HttpProblem(400, {"body": "must be a JSON object"})
    errors = {}
    try:
        amount = Decimal(str(body.get("amount")))
        if not amount.is_finite() or amount < 0 or isinstance(body.get("amount"), bool):
            raise InvalidOperation
    except InvalidOperation:
        errors["amount"] = "must be a number >= 0"
    currency = body.get("currency")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        errors["currency"] = "must be an ISO 4217 code like EUR"
    period = body.get("period") if isinstance(body.get("period"), dict) else {}
    try:
        first, last = parse_range(period.get("from"), period.get("to"))
    except InvalidRange as error:
        errors["period"] = str(error)
    if errors:
        raise HttpProblem(400, errors)
    entry = services.funnel.set_spend(campaign, str(amount), currency, first.isoformat(), last.isoformat())
    return json_response(200, entry)
