"""Delivery records of integration webhooks, in the lead's partition (those
of events about no lead, sending.*, in `SENDING#HOOKS`). Every
change is conditional on the state it moves from, so duplicated queue
messages and a redelivered stream record change nothing twice."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError, UpdateError

from ..integrations.deliveries import (
    DELIVERED,
    FAILED,
    POSTING,
    QUEUED,
    RETRYING,
    SENDING,
    Delivery,
    NotFailed,
    UnknownDelivery,
    delivery_id,
    parse_delivery_id,
    url_key,
)
from .leads import plain, reasons, transaction
from .models import LEAD_SK, WEBHOOK_PREFIX, LeadItem, WebhookDeliveryItem, lead_pk

Item = WebhookDeliveryItem
SENDING_HOOKS_PK = "SENDING#HOOKS"


def _owner_pk(owner: str) -> str:
    return SENDING_HOOKS_PK if owner == SENDING else lead_pk(owner)


def _sk(event_id: str, key: str) -> str:
    return f"{WEBHOOK_PREFIX}{event_id}#{key}"


def _plain(item: WebhookDeliveryItem) -> Delivery:
    return Delivery(
        delivery_id=item.delivery_id,
        lead_id=item.lead_id,
        url=item.url,
        event=plain(item.event),
        status=item.status,
        attempts=int(item.attempts),
        retry_until=item.retry_until,
    )


def _key(delivery_id_: str) -> tuple[str, str]:
    owner, event_id, key = parse_delivery_id(delivery_id_)
    return _owner_pk(owner), _sk(event_id, key)


def _conditional_update(delivery_id_: str, actions, condition) -> WebhookDeliveryItem | None:
    """The item as updated, or None when the condition did not hold."""
    item = Item(*_key(delivery_id_))
    try:
        item.update(actions, condition=Item.sk.exists() & condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


class WebhookStore:
    def open(self, event: dict, url: str, at: str, retry_until: str) -> str | None:
        """Records the event as queued for this URL and returns the delivery
        id to enqueue; None if it is under way or done already, or the lead
        is gone (an erased lead gets nothing written back). A record still
        queued and never tried is queued again (a crash may have come between
        record and message: one message too many is claimed only once)."""
        lead_id = event["lead_id"] or SENDING
        pk = _owner_pk(lead_id)
        id_ = delivery_id(lead_id, event["id"], url)
        record = Item(
            pk,
            _sk(event["id"], url_key(url)),
            lead_id=lead_id,
            delivery_id=id_,
            event_id=event["id"],
            event_type=event["type"],
            event=event,
            url=url,
            status=QUEUED,
            attempts=0,
            at=at,
            retry_until=retry_until,
        )
        try:
            with transaction() as tx:
                tx.save(record, condition=Item.sk.does_not_exist() | ((Item.status == QUEUED) & (Item.attempts == 0)))
                if lead_id != SENDING:
                    tx.condition_check(LeadItem, pk, LEAD_SK, condition=LeadItem.sk.exists())
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in reasons(error):
                return None
            raise
        return id_

    def get(self, delivery_id_: str) -> Delivery:
        """Raises UnknownDelivery."""
        try:
            return _plain(Item.get(*_key(delivery_id_), consistent_read=True))
        except Item.DoesNotExist:
            raise UnknownDelivery(delivery_id_) from None

    def claim(self, delivery_id_: str, attempt: int, at: str, stale_before: str) -> Delivery | None:
        """Attempt number `attempt` may post now: the previous attempt ended
        in a retry (or none was made), or this attempt's claim is older than
        `stale_before` (its consumer died). None: another message has it."""
        fresh = (Item.attempts == attempt - 1) & Item.status.is_in(QUEUED, RETRYING)
        abandoned = (Item.attempts == attempt) & (Item.status == POSTING) & (Item.claimed_at < stale_before)
        item = _conditional_update(
            delivery_id_,
            [Item.status.set(POSTING), Item.attempts.set(attempt), Item.claimed_at.set(at), Item.at.set(at)],
            fresh | abandoned,
        )
        return None if item is None else _plain(item)

    def delivered(self, delivery_id_: str, attempt: int, at: str) -> bool:
        return self._end_attempt(delivery_id_, attempt, at, DELIVERED, None, None)

    def failed(self, delivery_id_: str, attempt: int, at: str, error: str) -> bool:
        return self._end_attempt(delivery_id_, attempt, at, FAILED, error, None)

    def retrying(self, delivery_id_: str, attempt: int, at: str, error: str, next_attempt_at: str) -> bool:
        return self._end_attempt(delivery_id_, attempt, at, RETRYING, error, next_attempt_at)

    def _end_attempt(self, delivery_id_, attempt, at, status, error, next_attempt_at) -> bool:
        """False if the attempt's claim was taken over meanwhile."""
        actions = [
            Item.status.set(status),
            Item.at.set(at),
            Item.claimed_at.remove(),
            Item.error.set(error) if error else Item.error.remove(),
            Item.next_attempt_at.set(next_attempt_at) if next_attempt_at else Item.next_attempt_at.remove(),
        ]
        condition = (Item.attempts == attempt) & (Item.status == POSTING)
        return _conditional_update(delivery_id_, actions, condition) is not None

    def reopen(self, delivery_id_: str, at: str, retry_until: str) -> Delivery:
        """A failed (or already re-queued) delivery queued with a new retry
        window. Raises UnknownDelivery, or NotFailed with the status it has."""
        item = _conditional_update(
            delivery_id_,
            [Item.status.set(QUEUED), Item.at.set(at), Item.retry_until.set(retry_until)],
            Item.status.is_in(FAILED, QUEUED),
        )
        if item is None:
            raise NotFailed(self.get(delivery_id_).status)
        return _plain(item)
