"""Outgoing mail as plain data, and its MIME form (text + HTML alternative)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid

# RFC 2369 headers are lists of <URI>s that readers take literally. policy.SMTP
# folds at 78 columns and writes a value with nowhere to fold (a signed
# unsubscribe URL) as RFC 2047 encoded-words, where no RFC 2369/8058 reader
# finds a URI; these are written as given and folded only between items.
_URI_LISTS = frozenset({"list-archive", "list-help", "list-owner", "list-post", "list-subscribe", "list-unsubscribe"})
_LINE = 78  # RFC 5322's recommended line length (998 is the hard limit)


def _fold_uri_list(name: str, value: str, linesep: str) -> str:
    lines = [f"{name}:"]
    items = [item.strip() for item in value.split(",")]
    for n, item in enumerate(items):
        part = item + ("," if n < len(items) - 1 else "")
        if len(lines[-1]) + 1 + len(part) > _LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + part
    return linesep.join(lines) + linesep


class _WirePolicy(EmailPolicy):
    """policy.SMTP, but URI lists go out verbatim: ASCII, never encoded."""

    def header_store_parse(self, name, value):
        if name.lower() not in _URI_LISTS:
            return super().header_store_parse(name, value)
        if not value.isascii() or "\r" in value or "\n" in value:
            raise ValueError(f"{name}: a list of <URI>s must be one line of ASCII")
        return name, value

    def fold(self, name, value):
        if name.lower() in _URI_LISTS:
            return _fold_uri_list(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in _URI_LISTS:
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


# 7bit: non-ASCII parts go out quoted-printable or base64, as SES asks of raw
# mail (8bit bodies rely on every relay speaking 8BITMIME)
WIRE = _WirePolicy(linesep="\r\n", cte_type="7bit")


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # SES message tags (configuration-set events carry them back)
    tags: Mapping[str, str] = field(default_factory=dict)


def to_mime(mail: OutgoingMail, sender: str) -> bytes:
    message = EmailMessage(policy=WIRE)
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message.as_bytes()
