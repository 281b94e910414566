"""SES adapter: raw MIME through SendRawEmail, so the recipient (and the local
mailbox) sees exactly the message built here."""

from __future__ import annotations

from botocore.exceptions import ClientError

from .message import OutgoingMail, to_mime


class SendThrottled(Exception):
    """SES refused for rate: retry later."""


class DailyQuotaExceeded(SendThrottled):
    """SES's 24-hour quota is used up: stop sending for today."""


class SendRejected(Exception):
    """SES answered with another error (e.g. MessageRejected): nothing was
    sent. Unlike a timeout, which leaves open whether SES took the mail."""


class SesMailer:
    def __init__(self, client, sender: str, configuration_set: str | None = None):
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, mail: OutgoingMail) -> str:
        kwargs = {
            "Source": self._sender,
            "Destinations": [mail.to],
            "RawMessage": {"Data": to_mime(mail, self._sender)},
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        if mail.tags:
            kwargs["Tags"] = [{"Name": k, "Value": v} for k, v in mail.tags.items()]
        try:
            return self._client.send_raw_email(**kwargs)["MessageId"]
        except ClientError as error:
            code = error.response["Error"].get("Code")
            message = error.response["Error"].get("Message", "")
            if code == "Throttling" and "daily" in message.lower():
                raise DailyQuotaExceeded(message) from error
            if code in ("Throttling", "ThrottlingException", "TooManyRequestsException"):
                raise SendThrottled(message) from error
            raise SendRejected(f"{code}: {message}") from error
