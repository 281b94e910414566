"""Writes that stop mail: unsubscribes, lead suppression, the address's
suppression entry and soft-bounce counting. Each is a conditional write, so a
repeated request or a redelivered SES notification changes nothing twice."""

from __future__ import annotations

import hashlib
import secrets

from pynamodb.exceptions import PutError, TransactWriteError

from .leads import reasons, transaction
from .models import (
    ACTIVITY_PREFIX,
    LEAD_SK,
    SOFT_BOUNCE_PREFIX,
    SUPPRESS_PREFIX,
    SUPPRESS_SK,
    WITHDRAWAL_PREFIX,
    ActivityItem,
    LeadItem,
    SoftBounceItem,
    SuppressionItem,
    WithdrawalItem,
    lead_pk,
)


def _conditional_put(item, condition) -> bool:
    """False if the condition failed (the write happened before)."""
    try:
        item.save(condition=condition)
        return True
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


class OptOutStore:
    # --- the lead ------------------------------------------------------------
    def unsubscribe(self, lead: LeadItem, at: str, method: str, ip: str | None, user_agent: str | None) -> bool:
        """Status `unsubscribed`, a withdrawal record and an `unsubscribed`
        activity, in one transaction; False if it was unsubscribed already."""
        suffix = f"{at}#{secrets.token_hex(4)}"
        withdrawal = WithdrawalItem(
            lead_pk(lead.lead_id),
            WITHDRAWAL_PREFIX + suffix,
            lead_id=lead.lead_id,
            withdrawn_at=at,
            method=method,
            ip=ip,
            user_agent=user_agent,
        )
        activity = ActivityItem(
            lead_pk(lead.lead_id),
            f"{ACTIVITY_PREFIX}{at}#unsubscribed#{suffix[-8:]}",
            lead_id=lead.lead_id,
            type="unsubscribed",
            at=at,
            source="unsubscribe",
            data={"method": method},
        )
        actions = [LeadItem.status.set("unsubscribed"), LeadItem.unsubscribed_at.set(at), LeadItem.updated_at.set(at)]
        return self._stop(lead, actions, LeadItem.status != "unsubscribed", [withdrawal, activity])

    def suppress_lead(self, lead: LeadItem, reason: str, at: str, source: str) -> bool:
        """Mark the lead suppressed with an activity saying why; False if it
        was suppressed already (the first reason stays)."""
        digest = hashlib.sha256(f"{reason}#{source}".encode()).hexdigest()[:8]
        activity = ActivityItem(
            lead_pk(lead.lead_id),
            f"{ACTIVITY_PREFIX}{at}#suppressed#{digest}",
            lead_id=lead.lead_id,
            type="suppressed",
            at=at,
            source="ses",
            data={"reason": reason},
        )
        actions = [
            LeadItem.suppressed.set(True),
            LeadItem.suppressed_reason.set(reason),
            LeadItem.suppressed_at.set(at),
        ]
        return self._stop(
            lead,
            actions,
            LeadItem.suppressed.does_not_exist() | (LeadItem.suppressed == False),  # noqa: E712
            [activity],
        )

    @staticmethod
    def _stop(lead: LeadItem, actions: list, condition, records: list) -> bool:
        pk = lead_pk(lead.lead_id)
        if lead.expires_at:
            # an unconfirmed lead's records go with it when it expires, and
            # stay (like its other pending items) if it is confirmed after all
            for record in records:
                record.expires_at = lead.expires_at
            actions.append(LeadItem.pending_sks.add({r.sk for r in records}))
        try:
            with transaction() as tx:
                # the version is bumped, not checked: these writes touch no
                # field a concurrent writer computes from what it read
                tx.update(
                    LeadItem(pk, LEAD_SK, version=lead.version),
                    actions,
                    condition=LeadItem.pk.exists() & condition,
                    add_version_condition=False,
                )
                for record in records:
                    tx.save(record, condition=type(record).sk.does_not_exist())
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in reasons(error):
                return False
            raise
        return True

    # --- the address -----------------------------------------------------------
    @staticmethod
    def is_suppressed(address_key: str) -> bool:
        try:
            SuppressionItem.get(SUPPRESS_PREFIX + address_key, SUPPRESS_SK, consistent_read=True)
        except SuppressionItem.DoesNotExist:
            return False
        return True

    @staticmethod
    def add_suppression(address_key: str, reason: str, at: str, source: str | None) -> bool:
        """False if the address was suppressed already."""
        item = SuppressionItem(SUPPRESS_PREFIX + address_key, SUPPRESS_SK, reason=reason, at=at, source=source)
        return _conditional_put(item, SuppressionItem.pk.does_not_exist())

    @staticmethod
    def add_soft_bounce(address_key: str, at: str, message_id: str, expires_at: int) -> bool:
        """False if this message's bounce to this address was counted before."""
        item = SoftBounceItem(
            SUPPRESS_PREFIX + address_key,
            f"{SOFT_BOUNCE_PREFIX}{at}#{message_id}",
            at=at,
            message_id=message_id,
            expires_at=expires_at,
        )
        return _conditional_put(item, SoftBounceItem.sk.does_not_exist())

    @staticmethod
    def soft_bounces_between(address_key: str, since: str, until: str) -> int:
        """Soft bounces with since <= at <= until: one Query on the address's
        partition (bounded by the threshold in practice)."""
        upper = f"{SOFT_BOUNCE_PREFIX}{until}#\uffff"
        return SoftBounceItem.count(
            SUPPRESS_PREFIX + address_key,
            SoftBounceItem.sk.between(SOFT_BOUNCE_PREFIX + since, upper),
            consistent_read=True,
        )
