"""Checks what callers send as an activity or a profile edit: plain data in,
clean values or InvalidSubmission (a 400 naming each bad field) out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..capture.validation import InvalidSubmission
from ..playbook.activities import Activities
from ..reasons import Reason
from ..values import storable_number, text_problem

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_MAX_TEXT = 2000
_MAX_KEYS = 20
# keys an activity's data may carry that must be web URLs
_URL_KEYS = {"url", "referrer"}


_EXPECTED = f"must be text (at most {_MAX_TEXT} characters), a number, true/false or a list of texts"


def _value_problem(value: Any, multiline: bool) -> Reason | str | None:
    """What is wrong with one value of activity data or a profile, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None if storable_number(value) else Reason("number")
    texts = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) and len(v) <= _MAX_TEXT for v in texts):
        return _EXPECTED
    return next((p for p in (text_problem(v, multiline) for v in texts) if p), None)


def _clean_values(values: Mapping[str, Any], what: str, allow_null: bool, multiline: bool) -> tuple[dict, dict]:
    """(clean values, errors) for a flat map of simple values."""
    errors, clean = {}, {}
    if len(values) > _MAX_KEYS:
        return {}, {what: f"at most {_MAX_KEYS} keys"}
    for key, value in values.items():
        name = f"{what}.{key}"
        if not isinstance(key, str) or not _NAME.match(key):
            errors[name] = "names are lower_snake_case"
        elif value is None and not allow_null:
            errors[name] = "must not be null"
        elif problem := _value_problem(value, multiline):
            errors[name] = problem
        elif key in _URL_KEYS and not (isinstance(value, str) and urlsplit(value).scheme in ("http", "https")):
            errors[name] = "must be an http(s) URL"
        else:
            clean[key] = list(value) if isinstance(value, list) else value
    return clean, errors


def parse_activity(
    config: Activities, body: Mapping[str, Any], source: str, now: datetime, extra: tuple[str, ...] = ()
) -> tuple[str, dict, datetime]:
    """(type, data, at) from a body {type, data?, at? (server only), ...}.
    Top-level keys other than these (and `extra`, e.g. the lead token) are
    data too, so a landing page can send {type, url}."""
    kind = body.get("type")
    definition = config.types.get(kind) if isinstance(kind, str) else None
    if definition is None or source not in definition.sources:
        raise InvalidSubmission(
            {"type": "unknown activity type" if definition is None else f"{kind} cannot be sent here"}
        )
    nested = body.get("data", {})
    if not isinstance(nested, dict):
        raise InvalidSubmission({"data": "must be an object"})
    top = {k: v for k, v in body.items() if k not in {"type", "data", "at", *extra}}
    # notes from a CRM or a sales call may span lines; what the web sends may not
    data, errors = _clean_values({**top, **nested}, "data", allow_null=False, multiline=source == "server")
    for key in definition.requires:
        if key not in data and f"data.{key}" not in errors:
            errors[key] = "is required"
    at = now
    if "at" in body:
        at, problem = _past_moment(body["at"], now) if source == "server" else (now, "cannot be set here")
        if problem:
            errors["at"] = problem
    if errors:
        raise InvalidSubmission(errors)
    return kind, data, at


def _past_moment(value: Any, now: datetime) -> tuple[datetime, str | None]:
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        return now, "must be an ISO 8601 time with a zone, e.g. 2026-11-20T15:00:00Z"
    if at > now:
        return now, "must not be in the future"
    return at, None


def parse_profile_edit(body: Mapping[str, Any]) -> tuple[dict, list[str]]:
    """({field: new value}, [fields to remove]) from {"profile": {field: value|null}}."""
    profile = body.get("profile")
    if not isinstance(profile, dict) or not profile:
        raise InvalidSubmission({"profile": "must be an object of field: value (null removes a field)"})
    if "email" in profile:
        raise InvalidSubmission({"profile.email": "the address is the lead's identity and cannot be edited"})
    clean, errors = _clean_values(profile, "profile", allow_null=True, multiline=False)
    if errors:
        raise InvalidSubmission(errors)
    return {k: v for k, v in clean.items() if v is not None}, sorted(k for k, v in clean.items() if v is None)
