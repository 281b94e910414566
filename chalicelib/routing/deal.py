"""What a sales outcome says besides its name: a won deal's value (one-off,
or recurring with the months it is expected to run), an opportunity's
expected value, and why a lead was lost or disqualified (a reason from the
playbook's list), and the note that says more. Plain data from the admin's JSON or the rep's form (where
every field is a string and an empty one means not given); what is kept is
strings and integers, so no float ever rounds money."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..playbook.outcomes import REASONED, Outcomes
from ..reasons import Reason
from ..values import currency_decimals, text_problem

VALUE_FIELDS = ("value", "currency")
RECURRING_FIELDS = ("recurring", "expected_months")
FIELDS = (*VALUE_FIELDS, *RECURRING_FIELDS, "reason")
# which details each outcome takes
APPLIES = {
    "won": (*VALUE_FIELDS, *RECURRING_FIELDS),
    "opportunity": VALUE_FIELDS,
    **{outcome: ("reason",) for outcome in REASONED},
}
# months per recurring period
PERIOD_MONTHS = {"monthly": 1, "yearly": 12}
MAX_DECIMALS = 2
MAX_VALUE = Decimal("1000000000000")
MAX_MONTHS = 600
MAX_NOTE = 500


class InvalidDetails(ValueError):
    """Details an outcome cannot take; `errors` maps each field to why."""

    def __init__(self, errors: Mapping[str, Any]):
        super().__init__(", ".join(sorted(errors)))
        self.errors = dict(errors)


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in FIELDS if fields.get(name) not in (None, "")}


def _amount(value: Any, decimals: int) -> Decimal | None:
    """A positive amount with at most `decimals` decimals, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_VALUE:
        return None
    exponent = amount.as_tuple().exponent
    if -exponent > decimals:
        return None
    return amount.quantize(Decimal(1)) if exponent > 0 else amount  # 1E+3 kept as 1000


def _months(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and 0 < value <= MAX_MONTHS else None


def outcome_details(outcome: str, fields: Mapping[str, Any], rules: Outcomes) -> dict[str, Any]:
    """The details to keep with an outcome. Raises InvalidDetails."""
    given = _given(fields)
    applies = APPLIES.get(outcome, ())
    errors = {name: Reason("detail_not_applicable", {"outcome": outcome}) for name in given if name not in applies}
    kept: dict[str, Any] = {}
    if "currency" in given or "value" in given:
        decimals = currency_decimals(given.get("currency"))
        if decimals is None:
            errors.setdefault("currency", Reason("deal_currency"))
        else:
            places = min(decimals, MAX_DECIMALS)
            amount = _amount(given.get("value"), places)
            if amount is None:
                errors.setdefault("value", Reason("deal_amount", {"places": places}))
            else:
                kept.update(value=str(amount), currency=given["currency"])
    if "recurring" in given or "expected_months" in given:
        if given.get("recurring") not in PERIOD_MONTHS:
            errors.setdefault("recurring", Reason("deal_recurring", {"choices": tuple(PERIOD_MONTHS)}))
        months = _months(given.get("expected_months"))
        if months is None:
            errors.setdefault("expected_months", Reason("deal_months", {"limit": MAX_MONTHS}))
        if "value" not in given:
            errors.setdefault("value", Reason("deal_recurring_value"))
        if not errors:
            kept.update(recurring=given["recurring"], expected_months=months)
    if "reason" in applies:
        reason = given.get("reason")
        if reason is None and outcome in rules.reason_required:
            errors["reason"] = Reason("outcome_reason_required", {"outcome": outcome, "choices": tuple(rules.reasons)})
        elif reason is not None and reason not in rules.reasons:
            errors["reason"] = Reason("choice", {"choices": tuple(rules.reasons)})
        elif reason is not None:
            kept["reason"] = reason
    note = fields.get("note")
    if isinstance(note, str) and note:
        problem = Reason("max_length", {"limit": MAX_NOTE}) if len(note) > MAX_NOTE else None
        problem = problem or text_problem(note, multiline=True)
        if problem:
            errors["note"] = problem
        kept["note"] = note
    if errors:
        raise InvalidDetails(errors)
    return kept
