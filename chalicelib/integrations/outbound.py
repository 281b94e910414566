"""Outbound integration webhooks (CRM): each event goes once to every URL
subscribed to its type, HMAC-signed (the routing webhook's poster: timestamp
+ signature headers, retries with backoff). A failure is recorded on the
delivery record, visible in the lead's view, and never fails the stream
record, which would hold back the whole shard."""

from __future__ import annotations

import logging
from typing import Any

from ..clock import epoch, iso
from ..stream.changes import Change
from .events import events_from

log = logging.getLogger(__name__)


class Outbound:
    def __init__(self, subscriptions, store, poster, clock, leads):
        self._subscriptions = subscriptions
        self._store = store
        self._poster = poster
        self._clock = clock
        self._leads = leads

    def wants(self, change: Change) -> bool:
        return bool(self._subscriptions) and bool(events_from(change))

    def deliver(self, change: Change) -> str:
        outcomes = []
        for event in events_from(change):
            for subscription in self._subscriptions:
                if event["type"] in subscription.events:
                    outcomes.append(self._post(event, subscription))
        return ", ".join(outcomes) or "no subscriber"

    def _post(self, event: dict[str, Any], subscription) -> str:
        url, now = str(subscription.url), self._clock.now()
        lead_id = event["lead_id"]
        if not self._store.claim(lead_id, event, url, iso(now)):
            return f"{event['type']}: already handled"
        payload = dict(event)
        if subscription.include_profile:
            lead = self._leads.get(lead_id)
            payload["lead"] = {"email": lead.email, "profile": lead.profile.as_dict()} if lead else None
        result = self._poster.post(url, subscription.secret, payload, epoch(now))
        self._store.record(lead_id, event["id"], url, result.ok, result.attempts, result.error, iso(self._clock.now()))
        if not result.ok:
            log.warning("webhook %s failed after %s attempts: %s", event["type"], result.attempts, result.error)
        return f"{event['type']}: {'delivered' if result.ok else 'failed'}"
