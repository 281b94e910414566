"""Reports and campaign spend over HTTP (admin and reporting scopes)."""

from __future__ import annotations

from decimal import Decimal

from chalice import Response

from ..analytics.funnel import InvalidRange, parse_range
from ..values import currency_decimals, storable_number, text_problem
from .http import HttpProblem, read_json
from .responses import SECURITY_HEADERS, json_response


def _read(report, query: dict | None) -> dict:
    try:
        return report(query or {})
    except InvalidRange as error:
        raise HttpProblem(400, {"range": str(error)}) from None


def _funnel(services, query: dict | None) -> dict:
    return _read(services.funnel.report, query)


def revenue_report(services, query: dict | None) -> Response:
    return json_response(200, _read(services.revenue.report, query))


def funnel_report(services, query: dict | None) -> Response:
    report = _funnel(services, query)
    # predicted band against how the leads closed in the range (all leads: no filters)
    calibration = services.predictor.calibration(report["from"], report["to"])
    return json_response(200, {**report, "prediction_calibration": calibration})


def funnel_picture(services, query: dict | None) -> Response:
    from ..analytics.svg import funnel_svg

    # ?revenue=1 adds a line per currency under the funnel
    wanted = (query or {}).get("revenue") in ("1", "true")
    revenue = _read(services.revenue.report, query)["total"]["money"] if wanted else ()
    return Response(
        body=funnel_svg(_funnel(services, query), revenue),
        status_code=200,
        headers={"Content-Type": "image/svg+xml", "Cache-Control": "no-store", **SECURITY_HEADERS},
    )


def set_spend(services, campaign: str, raw_body: bytes | None) -> Response:
    """PUT /campaigns/{campaign}/spend {"amount", "currency", "period": {"from", "to"}}."""
    body = read_json(raw_body)
    errors = {}
    amount = body.get("amount")
    if not (storable_number(amount) and amount >= 0):
        errors["amount"] = "must be a number >= 0"
    problem = text_problem(campaign)
    if problem:
        errors["campaign"] = problem
    currency = body.get("currency")
    if currency_decimals(currency) is None:
        errors["currency"] = "must be an ISO 4217 code like EUR"
    period = body.get("period") if isinstance(body.get("period"), dict) else {}
    try:
        first, last = parse_range(period.get("from"), period.get("to"))
    except InvalidRange as error:
        errors["period"] = str(error)
    if errors:
        raise HttpProblem(400, errors)
    entry = services.funnel.set_spend(
        campaign, str(Decimal(str(amount))), currency, first.isoformat(), last.isoformat()
    )
    return json_response(200, entry)
