"""Field rules of a form, applied to a submission: plain data in, a cleaned
submission or a map of field -> reason out (worded for the reader by the web
layer). No I/O (the optional MX check is the only exception, and it is off
unless the playbook turns it on)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, EmailUndeliverableError, validate_email

from ..playbook.forms import FieldDefinition, FieldType, FormDefinition
from ..reasons import Reason
from ..values import text_problem
from . import render
from .countries import ISO_3166_ALPHA2

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,}$")
_TRUE = {"on", "true", "1", "yes", "checked"}
# what SES delivers (RFC 5321 limits, in octets of the ASCII form)
LOCAL_PART_MAX = 64
ADDRESS_MAX = 254


class InvalidSubmission(ValueError):
    def __init__(self, errors: Mapping[str, Reason]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class _Refused(ValueError):
    def __init__(self, key: str, **values: Any):
        super().__init__(key)
        self.reason = Reason(key, values)


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
    """The address as an identity, only if SES can deliver to it: an ASCII
    local part (SES does not deliver SMTPUTF8 ones) of at most 64 octets, at
    most 254 in all, the domain in its ASCII (IDNA, punycode) form, lower-cased
    whole (mailbox providers treat the local part case-insensitively).
    Raises EmailNotValidError."""
    result = validate_email(value, check_deliverability=check_mx, allow_smtputf8=False, strict=True)
    return result.ascii_email.lower()


def _deliverable_email(value: str, check_mx: bool) -> str:
    try:
        return normalise_email(value, check_mx)
    except EmailUndeliverableError:
        raise _Refused("email_domain") from None
    except EmailNotValidError:
        raise _Refused(_why_undeliverable(value)) from None


def _why_undeliverable(value: str) -> str:
    local = value.rpartition("@")[0]
    if not local.isascii():
        return "email_local_ascii"
    if len(local) > LOCAL_PART_MAX:
        return "email_local_length"
    if _ascii_length(value) > ADDRESS_MAX:
        return "email_length"
    return "email_invalid"


def _ascii_length(value: str) -> int:
    """Octets of the address as SES sends it (the domain in punycode)."""
    local, _, domain = value.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # not a domain at all: its length decides nothing
    return len(local.encode("utf-8")) + 1 + len(domain)


def validate_submission(form: FormDefinition, values: Mapping[str, list[Any]], check_mx: bool = False) -> Submission:
    errors: dict[str, Reason] = {}
    # besides its own fields: the render token for the fill-time check
    allowed = set(form.fields) | {form.honeypot, render.FIELD}
    for name in values:
        if name not in allowed:
            errors[name] = Reason("unknown_field")

    email = ""
    profile: dict[str, Any] = {}
    attribution: dict[str, str] = {}
    for name, definition in form.fields.items():
        try:
            value = _clean(definition, values.get(name, []))
            if definition.type is FieldType.email and value:
                email = _deliverable_email(value, check_mx)
        except _Refused as refused:
            errors[name] = refused.reason
            continue
        if value in (None, "", [], False):
            if definition.required:
                errors[name] = Reason("required")
            continue
        if definition.type in (FieldType.email, FieldType.consent):
            continue
        if definition.store == "attribution":
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
            raise _Refused("choices_among", choices=definition.choices)
        return sorted(set(values), key=definition.choices.index)
    if len(raw) > 1:
        raise _Refused("given_once")
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
        raise _Refused("text")
    # before stripping: strip() would quietly drop NEL, U+2028 and CR/LF at the ends
    problem = text_problem(value)
    if problem:
        raise _Refused(problem.key)
    value = value.strip()
    if len(value) > definition.max_length:
        raise _Refused("max_length", limit=definition.max_length)
    return value


def _consent(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | {"", "false", "0", "no", "off"}:
        return value.strip().lower() in _TRUE
    raise _Refused("checkbox")


def _country(value: str, _: FieldDefinition) -> str:
    code = value.upper()
    if code not in ISO_3166_ALPHA2:
        raise _Refused("country")
    return code


def _choice(value: str, definition: FieldDefinition) -> str:
    if value not in definition.choices:
        raise _Refused("choice", choices=definition.choices)
    return value


def _phone(value: str, _: FieldDefinition) -> str:
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 5:
        raise _Refused("phone")
    return value


def _url(value: str, _: FieldDefinition) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Refused("url")
    return value


_CHECKS = {
    FieldType.country: _country,
    FieldType.choice: _choice,
    FieldType.phone: _phone,
    FieldType.url: _url,
}
