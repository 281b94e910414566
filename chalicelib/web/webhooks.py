"""Admin routes of integration webhooks: send a failed delivery again."""

from __future__ import annotations

from .responses import json_response


def resend_delivery(services, delivery_id: str) -> object:
    delivery = services.outbound.resend(delivery_id)
    return json_response(202, {"delivery_id": delivery.delivery_id, "status": delivery.status})
