"""A delivery: one integration event to one subscribed URL, as plain data.
Its id names the lead, the event and the URL, so the admin API and the
webhook queue's messages find the record with one key read."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

QUEUED, POSTING, RETRYING, DELIVERED, FAILED = "queued", "posting", "retrying", "delivered", "failed"
# the owner of deliveries of events about no lead (sending.*), in place of a
# lead id (lead ids are 26 characters, so the two never meet)
SENDING = "sending"
_ID = re.compile(r"[a-z0-9]{1,64}\.[0-9a-f]{32}\.[0-9a-f]{12}")


class UnknownDelivery(LookupError):
    pass


class NotFailed(Exception):
    """Only a delivery that finally failed can be sent again."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def delivery_id(lead_id: str, event_id: str, url: str) -> str:
    return f"{lead_id}.{event_id}.{url_key(url)}"


def parse_delivery_id(text: str) -> tuple[str, str, str]:
    """(lead id, event id, url key). Raises UnknownDelivery for a malformed id."""
    if not _ID.fullmatch(text):
        raise UnknownDelivery(text)
    lead_id, event_id, key = text.split(".")
    return lead_id, event_id, key


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    lead_id: str
    url: str
    event: dict[str, Any]  # the payload without the profile
    status: str
    attempts: int
    retry_until: str
