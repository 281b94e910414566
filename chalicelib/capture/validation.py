"""Field rules of a form, applied to a submission: plain data in, a cleaned
submission or a map of field -> message out. No I/O (the optional MX check is
the only exception, and it is off unless the playbook turns it on)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ..playbook.forms import FieldDefinition, FieldType, FormDefinition
from ..values import text_problem
from . import render
from .countries import ISO_3166_ALPHA2

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,}$")
_TRUE = {"on", "true", "1", "yes", "checked"}


class InvalidSubmission(ValueError):
    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Submission:
    email: str  # normalised, the lead's identity
    profile: dict[str, Any] = field(default_factory=dict)
    attribution: dict[str, str] = field(default_factory=dict)


def as_value_lists(fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    """JSON bodies give one value per name (a list for multi-choice); HTML
    form posts give lists. Both become name -> list of values."""
    return {name: value if isinstance(value, list) else [value] for name, value in fields.items()}


def normalise_email(value: str, check_mx: bool = False) -> str:
    """The address as an identity: syntax-checked, with the domain in its
    ASCII (IDNA) form SES can deliver to, lower-cased whole (mailbox providers
    treat the local part case-insensitively)."""
    result = validate_email(value, check_deliverability=check_mx)
    return (result.ascii_email or result.normalized).lower()


def validate_submission(form: FormDefinition, values: Mapping[str, list[Any]], check_mx: bool = False) -> Submission:
    errors: dict[str, str] = {}
    # besides its own fields: the render token for the fill-time check
    allowed = set(form.fields) | {form.honeypot, render.FIELD}
    for name in values:
        if name not in allowed:
            errors[name] = "unknown field"

    email = ""
    profile: dict[str, Any] = {}
    attribution: dict[str, str] = {}
    for name, definition in form.fields.items():
        try:
            value = _clean(definition, values.get(name, []))
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if value in (None, "", [], False):
            if definition.required:
                errors[name] = "is required"
            continue
        if definition.type is FieldType.email:
            try:
                email = normalise_email(value, check_mx)
            except EmailNotValidError as exc:
                errors[name] = f"is not a valid e-mail address ({exc})"
        elif definition.type is FieldType.consent:
            continue
        elif definition.store == "attribution":
            attribution[name] = value
        else:
            profile[name] = value
    if errors:
        raise InvalidSubmission(errors)
    return Submission(email=email, profile=profile, attribution=attribution)


def _clean(definition: FieldDefinition, raw: list[Any]) -> Any:
    if definition.type is FieldType.multi_choice:
        values = [_text(v, definition) for v in raw]
        values = [v for v in values if v]
        unknown = [v for v in values if v not in definition.choices]
        if unknown:
            raise ValueError(f"must be among {', '.join(definition.choices)}")
        return sorted(set(values), key=definition.choices.index)
    if len(raw) > 1:
        raise ValueError("must be given once")
    if not raw:
        return None
    if definition.type is FieldType.consent:
        return _consent(raw[0])
    value = _text(raw[0], definition)
    if not value:
        return value
    return _CHECKS.get(definition.type, lambda v, d: v)(value, definition)


def _text(value: Any, definition: FieldDefinition) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    # before stripping: strip() would quietly drop NEL, U+2028 and CR/LF at the ends
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    value = value.strip()
    if len(value) > definition.max_length:
        raise ValueError(f"must be at most {definition.max_length} characters")
    return value


def _consent(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | {"", "false", "0", "no", "off"}:
        return value.strip().lower() in _TRUE
    raise ValueError("must be a checkbox value")


def _country(value: str, _: FieldDefinition) -> str:
    code = value.upper()
    if code not in ISO_3166_ALPHA2:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    return code


def _choice(value: str, definition: FieldDefinition) -> str:
    if value not in definition.choices:
        raise ValueError(f"must be one of {', '.join(definition.choices)}")
    return value


def _phone(value: str, _: FieldDefinition) -> str:
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 5:
        raise ValueError("must be a phone number")
    return value


def _url(value: str, _: FieldDefinition) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value


_CHECKS = {
    FieldType.country: _country,
    FieldType.choice: _choice,
    FieldType.phone: _phone,
    FieldType.url: _url,
}
