"""SQS adapters. The FIFO routing queue: one message per offer to notify,
grouped by lead (in order per lead, leads in parallel) and deduplicated by
lead, transition and offer (SQS drops a repeat within 5 minutes; the router
is idempotent beyond that). The standard webhook queue: one message per
delivery attempt of an integration event to one URL, delayed for a retry
(the webhook consumer is idempotent per attempt)."""

from __future__ import annotations

import json
from functools import cached_property


class _Queue:
    def __init__(self, client, queue_name: str):
        self._client = client
        self._name = queue_name

    @cached_property
    def url(self) -> str:
        return self._client.get_queue_url(QueueName=self._name)["QueueUrl"]


class RoutingQueue(_Queue):
    def send(self, lead_id: str, key: str, offer: int) -> str:
        body = json.dumps({"lead_id": lead_id, "key": key, "offer": offer}, separators=(",", ":"))
        return self._client.send_message(
            QueueUrl=self.url,
            MessageBody=body,
            MessageGroupId=lead_id,
            MessageDeduplicationId=f"{lead_id}:{key}:{offer}",
        )["MessageId"]


def routing_message(body: str) -> tuple[str, str]:
    """(lead id, transition key) of a routing message. Raises ValueError."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("lead_id"), str) or not isinstance(data.get("key"), str):
        raise ValueError("a routing message needs lead_id and key")
    return data["lead_id"], data["key"]


class WebhookQueue(_Queue):
    def send(self, delivery_id: str, attempt: int, not_before: str | None = None, delay_seconds: int = 0) -> str:
        body = json.dumps(
            {"delivery_id": delivery_id, "attempt": attempt, "not_before": not_before}, separators=(",", ":")
        )
        return self._client.send_message(QueueUrl=self.url, MessageBody=body, DelaySeconds=delay_seconds)["MessageId"]


def webhook_message(body: str) -> tuple[str, int, str | None]:
    """(delivery id, attempt, not before) of a webhook message. Raises ValueError."""
    data = json.loads(body)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("delivery_id"), str)
        or not isinstance(data.get("attempt"), int)
        or isinstance(data.get("attempt"), bool)
        or data["attempt"] < 1
        or not isinstance(data.get("not_before"), (str, type(None)))
    ):
        raise ValueError("a webhook message needs delivery_id, attempt >= 1 and not_before")
    return data["delivery_id"], data["attempt"], data.get("not_before")


class ImportQueue(_Queue):
    """The import worker's queue: the upload bucket's S3 events arrive on it,
    and a worker whose time runs out hands its import over with a message."""

    def send(self, import_id: str, delay_seconds: int = 0) -> str:
        body = json.dumps({"import_id": import_id}, separators=(",", ":"))
        return self._client.send_message(QueueUrl=self.url, MessageBody=body, DelaySeconds=delay_seconds)["MessageId"]
