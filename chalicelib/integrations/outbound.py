"""Outbound integration webhooks (CRM). The stream reaction only records
each event for every URL subscribed to its type and puts it on the webhook
queue, so a slow or failing receiver never holds up the stream. The webhook
consumer posts one attempt per message, HMAC-signed (the routing webhook's
poster: timestamp + signature headers). A failed attempt goes back on the
queue, delayed by the retry schedule, until the playbook's retry window
ends; then the delivery is recorded as failed, and the admin can send it
again. Receivers deduplicate by the event's stable id (at least once)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ..clock import epoch, iso
from ..stream.changes import Change
from .deliveries import Delivery
from .events import events_from
from .retry import hop_seconds, next_attempt_at

log = logging.getLogger(__name__)

# A claim older than this was left by a consumer that died: longer than the
# webhook Lambda's timeout (30 s), shorter than the queue's visibility timeout
# (180 s) after which SQS hands the unfinished message out again.
CLAIM_LEASE = timedelta(seconds=90)


class Outbound:
    def __init__(self, integrations, store, queue, poster, clock, leads):
        self._subscriptions = integrations.webhooks
        self._policy = integrations.delivery
        self._store = store
        self._queue = queue
        self._poster = poster
        self._clock = clock
        self._leads = leads

    # --- the stream reaction --------------------------------------------------
    def wants(self, change: Change) -> bool:
        return bool(self._subscriptions) and bool(events_from(change))

    def enqueue(self, change: Change) -> str:
        now = self._clock.now()
        retry_until = iso(now + timedelta(hours=self._policy.retry_hours))
        outcomes = []
        for event in events_from(change):
            for subscription in self._subscriptions:
                if event["type"] in subscription.events:
                    delivery_id = self._store.open(event, str(subscription.url), iso(now), retry_until)
                    if delivery_id is None:
                        outcomes.append(f"{event['type']}: already queued")
                    else:
                        self._queue.send(delivery_id, 1)
                        outcomes.append(f"{event['type']}: queued")
        return ", ".join(outcomes) or "no subscriber"

    # --- the webhook consumer -------------------------------------------------
    def deliver(self, delivery_id: str, attempt: int, not_before: str | None) -> str:
        now = self._clock.now()
        wait = hop_seconds(now, _parse(not_before)) if not_before else 0
        if wait:
            self._queue.send(delivery_id, attempt, not_before, wait)
            return f"attempt {attempt}: waits {wait} s more"
        delivery = self._store.claim(delivery_id, attempt, iso(now), iso(now - CLAIM_LEASE))
        if delivery is None:
            return f"attempt {attempt}: already handled"
        subscription = next(
            (s for s in self._subscriptions if str(s.url) == delivery.url and delivery.event["type"] in s.events),
            None,
        )
        if subscription is None:
            self._store.failed(delivery_id, attempt, iso(now), "no longer subscribed")
            return f"attempt {attempt}: no longer subscribed"
        result = self._poster.post(delivery.url, subscription.secret, self._payload(delivery, subscription), epoch(now))
        return self._record(delivery, attempt, result)

    def _payload(self, delivery: Delivery, subscription) -> dict:
        payload = dict(delivery.event)
        if subscription.include_profile and delivery.event.get("lead_id"):
            lead = self._leads.get(delivery.lead_id)
            payload["lead"] = {"email": lead.email, "profile": lead.profile.as_dict()} if lead else None
        return payload

    def _record(self, delivery: Delivery, attempt: int, result) -> str:
        now, id_, kind = self._clock.now(), delivery.delivery_id, delivery.event["type"]
        if result.ok:
            self._store.delivered(id_, attempt, iso(now))
            return f"{kind}: delivered (attempt {attempt})"
        retry_at = None if result.final else next_attempt_at(attempt, now, _parse(delivery.retry_until), self._policy)
        if retry_at is None:
            self._store.failed(id_, attempt, iso(now), result.error)
            log.warning("webhook %s failed for good after %s attempts: %s", kind, attempt, result.error)
            return f"{kind}: failed ({result.error})"
        # the next message first: should recording fail, this message comes
        # back and the duplicate next attempt is claimed only once
        self._queue.send(id_, attempt + 1, iso(retry_at), hop_seconds(now, retry_at))
        self._store.retrying(id_, attempt, iso(now), result.error, iso(retry_at))
        return f"{kind}: attempt {attempt} failed ({result.error}), next at {iso(retry_at)}"

    # --- the admin API --------------------------------------------------------
    def resend(self, delivery_id: str) -> Delivery:
        """Queues a delivery that finally failed again, with a new retry
        window (also one queued again before, in case its message was lost).
        Raises UnknownDelivery or NotFailed."""
        now = self._clock.now()
        delivery = self._store.reopen(delivery_id, iso(now), iso(now + timedelta(hours=self._policy.retry_hours)))
        self._queue.send(delivery_id, delivery.attempts + 1)
        return delivery


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
