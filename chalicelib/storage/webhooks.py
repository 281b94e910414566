"""Delivery records of integration webhooks, in the lead's partition."""

from __future__ import annotations

import hashlib

from pynamodb.exceptions import TransactWriteError

from .leads import reasons, transaction
from .models import LEAD_SK, WEBHOOK_PREFIX, LeadItem, WebhookDeliveryItem, lead_pk


def _sk(event_id: str, url: str) -> str:
    return f"{WEBHOOK_PREFIX}{event_id}#{hashlib.sha256(url.encode()).hexdigest()[:12]}"


class WebhookStore:
    def claim(self, lead_id: str, event: dict, url: str, at: str) -> bool:
        """True if this event may be posted to this URL now: no record yet
        (claimed here only while the lead exists, so an erased lead gets
        nothing written back), or a claim a crash left behind (posted again:
        receivers deduplicate by event id). False once delivered or failed."""
        pk = lead_pk(lead_id)
        record = WebhookDeliveryItem(
            pk,
            _sk(event["id"], url),
            lead_id=lead_id,
            event_id=event["id"],
            event_type=event["type"],
            url=url,
            status="claimed",
            at=at,
        )
        try:
            with transaction() as tx:
                tx.save(
                    record,
                    condition=WebhookDeliveryItem.sk.does_not_exist() | (WebhookDeliveryItem.status == "claimed"),
                )
                tx.condition_check(LeadItem, pk, LEAD_SK, condition=LeadItem.sk.exists())
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in reasons(error):
                return False
            raise
        return True

    def record(
        self, lead_id: str, event_id: str, url: str, delivered: bool, attempts: int, error: str | None, at: str
    ) -> None:
        WebhookDeliveryItem(lead_pk(lead_id), _sk(event_id, url)).update(
            [
                WebhookDeliveryItem.status.set("delivered" if delivered else "failed"),
                WebhookDeliveryItem.attempts.set(attempts),
                WebhookDeliveryItem.error.set(error) if error else WebhookDeliveryItem.error.remove(),
                WebhookDeliveryItem.at.set(at),
            ],
            condition=WebhookDeliveryItem.sk.exists(),
        )
