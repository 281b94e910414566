"""Logging without personal data: every record is formatted, then e-mail
addresses and IP addresses are masked before it reaches a handler, so a
careless `log.info("...%s", lead.email)` cannot leak into CloudWatch."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# full form with four or more groups (so clock times like 09:00:00 are left
# alone), or any form with "::"
_IPV6 = re.compile(
    r"\b(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}\b"
    r"|(?:\b[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{1,4})*::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*\b)?"
)


def redact(text: str) -> str:
    return _IPV6.sub("[ip]", _IPV4.sub("[ip]", _EMAIL.sub("[email]", text)))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of the root logger (and the given
    one), so records from any library pass through it. Names cannot be
    recognised by pattern, so the SDKs' DEBUG logs (whole request bodies)
    stay off."""
    targets = [logging.getLogger()] + ([logger] if logger else [])
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO)
    for noisy in ("botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for target in targets:
        for handler in target.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
