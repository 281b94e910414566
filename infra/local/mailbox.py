"""The local mailbox: every message the app sent through the embedded SES,
read from moto's SES backend in this process, oldest first."""

from __future__ import annotations

import email
import email.policy
import threading
from email.message import EmailMessage
from email.utils import parseaddr

from moto.ses.models import ses_backends

from .aws import SentMail


def _part(message: EmailMessage, kind: str) -> str | None:
    body = message.get_body((kind,))
    return body.get_content() if body is not None else None


def _headers(message: EmailMessage) -> dict:
    headers: dict = {}
    for name, value in message.items():
        value = str(value)
        if name in headers:  # a repeated header keeps every value
            previous = headers[name]
            headers[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            headers[name] = value
    return headers


class Mailbox:
    def __init__(self, account: str, region: str):
        self._account = account
        self._region = region
        self._sends: dict[str, SentMail] = {}
        self._parsed: dict[str, dict] = {}  # sent messages never change: parse each once
        self._lock = threading.Lock()

    def record(self, sent: SentMail) -> None:
        """Called by the SES tap for each accepted send."""
        with self._lock:
            self._sends[sent.message_id] = sent

    def _backend(self):
        return ses_backends[self._account][self._region]

    def messages(self, to: str | None = None) -> list[dict]:
        found = []
        for sent in list(self._backend().sent_messages):
            message = self._parsed.get(sent.id) or self._parsed.setdefault(sent.id, self._as_dict(sent))
            if not to or any(to.lower() in r.lower() for r in message["to"]):
                extra = self._sends.get(sent.id)
                found.append(
                    {
                        **message,
                        "configuration_set": extra.configuration_set if extra else None,
                        "tags": dict(extra.tags) if extra else {},
                    }
                )
        return found

    def message(self, message_id: str) -> dict | None:
        return next((m for m in self.messages() if m["id"] == message_id), None)

    @staticmethod
    def _as_dict(sent) -> dict:
        if hasattr(sent, "raw_data"):
            raw = sent.raw_data
            # moto adds the MIME To/Cc to the envelope recipients: list each once
            recipients = list({parseaddr(r)[1].lower(): r for r in reversed(sent.destinations)}.values())[::-1]
        else:  # SendEmail: moto keeps a subject and one body only
            recipients = [
                a for kind in ("ToAddresses", "CcAddresses", "BccAddresses") for a in sent.destinations.get(kind, [])
            ]
            raw = _mime(sent.source, recipients, sent.subject, sent.body)
        message = email.message_from_string(raw, policy=email.policy.default)
        return {
            "id": sent.id,
            "from": sent.source or str(message.get("From", "")),
            "to": recipients,
            "subject": str(message.get("Subject", "")),
            "text": _part(message, "plain"),
            "html": _part(message, "html"),
            "headers": _headers(message),
            "raw": raw,
        }


def _mime(source: str, recipients: list[str], subject: str, body: str) -> str:
    message = EmailMessage()
    message["From"] = source
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body, subtype="html" if body.lstrip().startswith("<") else "plain")
    return message.as_string()
