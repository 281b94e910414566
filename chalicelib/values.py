"""Which text and numbers the app takes from outside: one rule for form
fields, activity data and profile edits alike, so nothing is stored that a
mail header, a log line, a screen or DynamoDB would misread."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .reasons import Reason

# C0 and C1 controls, DEL, the line and paragraph separators (NEL is C1):
# what breaks a header, a log line or a chat message
LINE_BREAKERS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# embeddings, overrides and isolates reorder what a reader sees ("Trojan Source")
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{LINE_BREAKERS}]")
# the same, but a free-text field may break lines and indent with tabs
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# DynamoDB's numbers: 38 significant digits, magnitudes 1E-130 .. <1E+126
_MAX_DIGITS = 38
_EXPONENTS = range(-130, 126)


def text_problem(value: str, multiline: bool = False) -> Reason | None:
    """What is wrong with a text from outside, or None. A multi-line text may
    hold LF, CR and TAB; nothing else below U+0020."""
    if _SURROGATE.search(value):
        return Reason("unicode")
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        return Reason("control" if multiline else "single_line")
    if _BIDI.search(value):
        return Reason("bidi")
    return None


def has_lone_surrogate(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def storable_number(value: Any) -> bool:
    """An int or float DynamoDB can hold as given (no NaN, no infinity, no
    magnitude it would refuse, no integer it would round)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return False
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")  # not normalize(): it rounds to 28
    return len(digits) <= _MAX_DIGITS and number.adjusted() in _EXPONENTS


def currency_decimals(code: Any) -> int | None:
    """The minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0), or None
    for what is not a currency code (unknown codes, and metals and test codes,
    which have no minor unit)."""
    if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()):
        return None
    from iso4217 import Currency  # its table loads only where money is taken

    try:
        return Currency(code).exponent
    except ValueError:
        return None
