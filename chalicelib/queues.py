"""SQS adapter for the FIFO routing queue: one message per offer to notify,
grouped by lead (in order per lead, leads in parallel) and deduplicated by
lead, transition and offer (SQS drops a repeat within 5 minutes; the router
is idempotent beyond that)."""

from __future__ import annotations

import json
from functools import cached_property


class RoutingQueue:
    def __init__(self, client, queue_name: str):
        self._client = client
        self._name = queue_name

    @cached_property
    def url(self) -> str:
        return self._client.get_queue_url(QueueName=self._name)["QueueUrl"]

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
