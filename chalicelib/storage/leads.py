"""Lead reads and signup writes on the single table (PynamoDB)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..capture.signup import LeadChanged, LeadState, RateLimited, SignupWrite
from ..clock import epoch
from .models import (
    ACTIVITY_PREFIX,
    ASSIGNMENT_PREFIX,
    CONSENT_PREFIX,
    LEAD_SK,
    NURTURE_PREFIX,
    OPT_IN_PREFIX,
    RATE_PREFIX,
    RATE_SK,
    STAGE_PREFIX,
    WEBHOOK_PREFIX,
    WITHDRAWAL_PREFIX,
    ActivityItem,
    AssignmentItem,
    ConsentItem,
    LeadItem,
    NurtureSendItem,
    OptInRequestItem,
    OtherItem,
    RateCounterItem,
    StageChangeItem,
    WebhookDeliveryItem,
    WithdrawalItem,
    lead_pk,
)


def model_for(sk: str):
    for prefix, model in (
        (CONSENT_PREFIX, ConsentItem),
        (ACTIVITY_PREFIX, ActivityItem),
        (OPT_IN_PREFIX, OptInRequestItem),
        (STAGE_PREFIX, StageChangeItem),
        (WITHDRAWAL_PREFIX, WithdrawalItem),
        (ASSIGNMENT_PREFIX, AssignmentItem),
        (NURTURE_PREFIX, NurtureSendItem),
        (WEBHOOK_PREFIX, WebhookDeliveryItem),
    ):
        if sk.startswith(prefix):
            return model
    return LeadItem if sk == LEAD_SK else OtherItem


def request_id(write: SignupWrite) -> str:
    return f"{write.at}#{write.opt_in_request}"


def plain(value: Any) -> Any:
    """PynamoDB map attributes and sets as plain dicts and lists."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, set):
        return sorted(plain(v) for v in value)
    return value


def transaction() -> TransactWrite:
    # reuse the models' connection: a new one builds a botocore client (~0.2 s)
    return TransactWrite(connection=LeadItem._get_connection().connection)


def reasons(error: TransactWriteError) -> list[str | None]:
    return [r.code if r else None for r in error.cancellation_reasons]


def failed_items(error: TransactWriteError) -> list[tuple[str, dict | None]]:
    """(code, the item as it stands) of each cancelled write that failed.
    The item comes with writes sent with return_values=ALL_OLD and is None
    when the item does not exist; it names the write whatever its index
    (PynamoDB sends puts before updates, not in the order they were added)."""
    return [(r.code, r.raw_item) for r in error.cancellation_reasons if r]


class LeadStore:
    def __init__(self, clock):
        self._clock = clock

    def get(self, lead_id: str) -> LeadItem | None:
        """The lead, unless missing or past its TTL (TTL deletion lags)."""
        try:
            item = LeadItem.get(lead_pk(lead_id), LEAD_SK, consistent_read=True)
        except LeadItem.DoesNotExist:
            return None
        if item.expires_at is not None and item.expires_at <= epoch(self._clock.now()):
            return None
        return item

    def reachable(self) -> bool:
        """One GetItem on a key that never exists: proves table and rights."""
        try:
            LeadItem.get("HEALTH", "HEALTH")
        except LeadItem.DoesNotExist:
            return True
        except Exception:
            return False
        return True

    def signup_state(self, lead_id: str) -> LeadState | None:
        try:
            item = LeadItem.get(lead_pk(lead_id), LEAD_SK, consistent_read=True)
        except LeadItem.DoesNotExist:
            return None
        return self._state(item)

    @staticmethod
    def _state(item: LeadItem) -> LeadState:
        requested = item.opt_in_requested_at
        return LeadState(
            lead_id=item.lead_id,
            status=item.status,
            version=item.version,
            profile=plain(item.profile),
            opt_in_requests=item.opt_in_requests,
            opt_in_requested_at=datetime.fromisoformat(requested) if requested else None,
            rate_window=item.rate_window,
            rate_count=item.rate_count,
            pending_items=len(item.pending_sks or ()),
            expires_at=item.expires_at,
        )

    def write_signup(self, write: SignupWrite, ip_counter: tuple[str, int, int, int] | None) -> None:
        """One transaction: lead (which carries the opt-in request: the
        stream consumer mails it and writes the mail's record), consent,
        activity and the per-IP counter.
        ip_counter = (key, window start, window seconds, limit).
        Raises LeadChanged (with the lead as it now stands) or RateLimited;
        writes nothing then."""
        pk = lead_pk(write.lead_id)
        consent_sk = CONSENT_PREFIX + write.consent.sk_suffix if write.consent else None
        activity_sk = (
            f"{ACTIVITY_PREFIX}{write.at}#form_submitted#{write.consent.sk_suffix[-8:]}"
            if write.activity_data
            else None
        )
        new_pending = {sk for sk in (consent_sk, activity_sk) if sk} if write.pending_expires_at else set()
        with_ttl = write.pending_expires_at if new_pending else None
        try:
            with transaction() as tx:
                # ALL_OLD: a conflict hands back the lead as it stands, so
                # the retry needs no read
                if write.is_new:
                    tx.save(self._lead_item(write, new_pending), return_values=ALL_OLD)
                else:
                    lead = LeadItem(pk, LEAD_SK, version=write.expected_version)
                    tx.update(lead, self._lead_actions(write, new_pending), return_values=ALL_OLD)
                if consent_sk:
                    c = write.consent
                    tx.save(
                        ConsentItem(
                            pk,
                            consent_sk,
                            lead_id=write.lead_id,
                            form_id=c.form_id,
                            consent_text=c.consent_text,
                            consent_version=c.consent_version,
                            given_at=c.given_at,
                            ip=c.ip,
                            user_agent=c.user_agent,
                            page_url=c.page_url,
                            attribution=dict(c.attribution),
                            expires_at=with_ttl,
                        )
                    )
                if activity_sk:
                    tx.save(
                        ActivityItem(
                            pk,
                            activity_sk,
                            lead_id=write.lead_id,
                            type="form_submitted",
                            at=write.at,
                            source="form",
                            data=write.activity_data,
                            expires_at=with_ttl,
                        )
                    )
                if ip_counter:
                    self._count_ip(tx, *ip_counter)
        except TransactWriteError as error:
            raise self._cancelled(error, write.lead_id, ip_counter) from None

    def _cancelled(self, error: TransactWriteError, lead_id: str, ip_counter) -> Exception:
        """The domain's reason for a cancelled signup, read from what each
        failed write's reason says about its item."""
        failures = failed_items(error)
        if not failures:
            return error
        for code, raw in failures:
            if code == "ConditionalCheckFailed" and raw and raw["pk"]["S"].startswith(RATE_PREFIX):
                return self._rate_limited(ip_counter)
        for code, raw in failures:
            if code == "ConditionalCheckFailed":
                # only the lead's write can fail on an item that is not there
                # (the lead was erased or deleted by its TTL meanwhile)
                return LeadChanged(self._state(LeadItem.from_raw_data(raw)) if raw else None)
        if any(code == "TransactionConflict" for code, _ in failures):
            # another transaction held the lead: no item comes back
            return LeadChanged(self.signup_state(lead_id))
        return error

    def _rate_limited(self, ip_counter: tuple[str, int, int, int]) -> RateLimited:
        _, window, seconds, _ = ip_counter
        return RateLimited(window + seconds - epoch(self._clock.now()))

    def _lead_item(self, write: SignupWrite, new_pending: set[str]) -> LeadItem:
        item = LeadItem(
            lead_pk(write.lead_id),
            LEAD_SK,
            lead_id=write.lead_id,
            email=write.email,
            status=write.status,
            stage="subscriber",
            form_id=write.form_id,
            locale=write.locale,
            timezone=write.timezone,
            profile=write.profile,
            attribution=dict(write.attribution),
            created_at=write.at,
            updated_at=write.at,
            pending_sks=new_pending or None,
            opt_in_requests=write.opt_in_request or 0,
            opt_in_requested_at=write.at if write.opt_in_request else None,
            opt_in_request_id=request_id(write) if write.opt_in_request else None,
            rate_window=write.rate_window,
            rate_count=write.rate_count,
            expires_at=write.lead_expires_at,
        )
        if write.expected_version is not None:
            # replacing a lead whose TTL passed but that DynamoDB has not deleted yet
            item.version = write.expected_version
        return item

    @staticmethod
    def _lead_actions(write: SignupWrite, new_pending: set[str]) -> list:
        actions = [
            LeadItem.profile.set(write.profile),
            LeadItem.updated_at.set(write.at),
            LeadItem.rate_window.set(write.rate_window),
            LeadItem.rate_count.set(write.rate_count),
        ]
        if new_pending:
            actions.append(LeadItem.pending_sks.add(new_pending))
        if write.opt_in_request:
            actions += [
                LeadItem.opt_in_requests.set(write.opt_in_request),
                LeadItem.opt_in_requested_at.set(write.at),
                LeadItem.opt_in_request_id.set(request_id(write)),
            ]
        if write.lead_expires_at:
            actions.append(LeadItem.expires_at.set(write.lead_expires_at))
        return actions

    def count_ip(self, ip_counter: tuple[str, int, int, int]) -> None:
        """Count a post that stores nothing else (a bot's); RateLimited when
        the IP is over its limit, as a person's post would be."""
        counter, actions, condition = self._ip_update(*ip_counter)
        try:
            counter.update(actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise self._rate_limited(ip_counter) from None
            raise

    @staticmethod
    def _ip_update(key: str, window: int, seconds: int, limit: int):
        counter = RateCounterItem(f"{RATE_PREFIX}ip#{key}#{window}", RATE_SK)
        actions = [RateCounterItem.count.add(1), RateCounterItem.expires_at.set(window + seconds + 60)]
        return counter, actions, RateCounterItem.count.does_not_exist() | (RateCounterItem.count < limit)

    def _count_ip(self, tx: TransactWrite, *ip_counter) -> None:
        counter, actions, condition = self._ip_update(*ip_counter)
        tx.update(counter, actions, condition=condition, return_values=ALL_OLD)

    def items(self, lead_id: str) -> list:
        return partition_items(lead_id)


def partition_raw(lead_id: str) -> list[dict]:
    """Every item of a lead's partition as stored (DynamoDB JSON): one
    paginated Query, no scan."""
    connection = LeadItem._get_connection()
    items, start = [], None
    while True:
        page = connection.query(lead_pk(lead_id), consistent_read=True, exclusive_start_key=start)
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def as_models(raw_items: list[dict]) -> list:
    return [model_for(raw["sk"]["S"]).from_raw_data(raw) for raw in raw_items]


def partition_items(lead_id: str) -> list:
    """Every item of a lead's partition, each as its own model (admin views,
    confirmation)."""
    return as_models(partition_raw(lead_id))
