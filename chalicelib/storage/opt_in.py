"""Opt-in requests, tokens and confirmation on the single table."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError, UpdateError

from ..clock import epoch
from .errors import VersionConflict
from .leads import model_for, partition_items, reasons, transaction
from .models import (
    CONSENT_PREFIX,
    LEAD_SK,
    STAGE_PREFIX,
    TOKEN_PREFIX,
    TOKEN_SK,
    ConsentItem,
    LeadItem,
    OptInRequestItem,
    StageChangeItem,
    TokenItem,
    lead_pk,
    opt_in_sk,
)

# token lookups outlive the token so an expired link gets its own answer
_TOKEN_GRACE_SECONDS = 7 * 24 * 3600


# the mail's record is created by its first send attempt (or skip)
_UNHANDLED = OptInRequestItem.sent_at.does_not_exist() & OptInRequestItem.skipped.does_not_exist()


class AlreadySent(Exception):
    pass


@dataclass(frozen=True)
class MailRecord:
    """What the record of an opt-in mail holds before it is sent."""

    request_id: str
    token_hash: str
    form_id: str
    valid_until: int
    template: str
    consent_version: str | None
    expires_at: int


def _request_fields(lead: LeadItem, request_id: str) -> list:
    """The request as the lead names it (number and time travel in its id)."""
    requested_at, number = request_id.rsplit("#", 1)
    return [
        OptInRequestItem.lead_id.set(lead.lead_id),
        OptInRequestItem.request_id.set(request_id),
        OptInRequestItem.number.set(int(number)),
        OptInRequestItem.requested_at.set(requested_at),
    ]


class OptInStore:
    def __init__(self, clock):
        self._clock = clock

    def request(self, lead_id: str, request_id: str) -> OptInRequestItem | None:
        try:
            return OptInRequestItem.get(lead_pk(lead_id), opt_in_sk(request_id), consistent_read=True)
        except OptInRequestItem.DoesNotExist:
            return None

    def token(self, token_hash: str) -> TokenItem | None:
        try:
            item = TokenItem.get(TOKEN_PREFIX + token_hash, TOKEN_SK, consistent_read=True)
        except TokenItem.DoesNotExist:
            return None
        return None if item.expires_at and item.expires_at <= epoch(self._clock.now()) else item

    def arm_token(self, lead: LeadItem, record: MailRecord) -> None:
        """Write the record of the mail about to be sent (created here, with
        the token's hash) and make its token the lead's only valid one;
        fails if the request was sent or skipped meanwhile or a newer request
        superseded it."""
        pk = lead_pk(lead.lead_id)
        sk = opt_in_sk(record.request_id)
        try:
            with transaction() as tx:
                tx.save(
                    TokenItem(
                        TOKEN_PREFIX + record.token_hash,
                        TOKEN_SK,
                        purpose="opt_in",
                        lead_id=lead.lead_id,
                        form_id=record.form_id,
                        valid_until=record.valid_until,
                        expires_at=record.valid_until + _TOKEN_GRACE_SECONDS,
                    )
                )
                tx.update(
                    OptInRequestItem(pk, sk),
                    [
                        *_request_fields(lead, record.request_id),
                        OptInRequestItem.token_hash.set(record.token_hash),
                        OptInRequestItem.attempts.add(1),
                        OptInRequestItem.template.set(record.template),
                        OptInRequestItem.consent_version.set(record.consent_version)
                        if record.consent_version
                        else OptInRequestItem.consent_version.remove(),
                        OptInRequestItem.expires_at.set(record.expires_at),
                    ],
                    condition=_UNHANDLED,
                )
                tx.update(
                    LeadItem(pk, LEAD_SK, version=lead.version),
                    # listed with the pending items: confirming removes its TTL
                    [LeadItem.opt_in_token_hash.set(record.token_hash), LeadItem.pending_sks.add({sk})],
                    condition=LeadItem.opt_in_request_id == record.request_id,
                    add_version_condition=False,
                )
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in reasons(error):
                raise AlreadySent() from None
            raise

    def record_sent(self, lead_id: str, request_id: str, message_id: str, at: str) -> bool:
        """False if another delivery of the same request recorded first (or
        the lead was erased meanwhile)."""
        return self._update_unsent(
            lead_id,
            request_id,
            [OptInRequestItem.sent_at.set(at), OptInRequestItem.message_id.set(message_id)],
            OptInRequestItem.sk.exists() & _UNHANDLED,
        )

    def skip(self, lead: LeadItem, request_id: str, reason: str) -> None:
        self._update_unsent(
            lead.lead_id,
            request_id,
            [*_request_fields(lead, request_id), OptInRequestItem.skipped.set(reason)]
            + ([OptInRequestItem.expires_at.set(lead.expires_at)] if lead.expires_at else []),
            _UNHANDLED,
        )

    @staticmethod
    def _update_unsent(lead_id: str, request_id: str, actions: list, condition) -> bool:
        try:
            OptInRequestItem(lead_pk(lead_id), opt_in_sk(request_id)).update(actions, condition=condition)
            return True
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise

    def confirm(self, lead: LeadItem, token_hash: str, at: str, ip: str | None, user_agent: str | None) -> None:
        """Confirm the lead: status, stage, TTLs off, confirmation evidence on
        the pending consent records, a stage change. Raises VersionConflict if
        the lead changed since it was read (e.g. a concurrent confirm)."""
        pk = lead_pk(lead.lead_id)
        # earlier unconfirmed submissions may have expired already (their TTL
        # is not refreshed by later ones): confirm only what still stands
        now = epoch(self._clock.now())
        live = {i.sk for i in partition_items(lead.lead_id) if not i.expires_at or i.expires_at > now}
        pending = sorted(set(lead.pending_sks or ()) & live)
        actions = [
            LeadItem.status.set("confirmed"),
            LeadItem.confirmed_at.set(at),
            LeadItem.updated_at.set(at),
            LeadItem.expires_at.remove(),
            LeadItem.pending_sks.remove(),
            LeadItem.opt_in_token_hash.remove(),  # single use
        ]
        becomes_lead = lead.stage == "subscriber"
        if becomes_lead:
            actions.append(LeadItem.stage.set("lead"))
        try:
            with transaction() as tx:
                tx.update(
                    lead,
                    actions,
                    condition=(LeadItem.opt_in_token_hash == token_hash) & (LeadItem.status != "confirmed"),
                )
                for sk in pending:
                    if sk.startswith(CONSENT_PREFIX):
                        tx.update(
                            ConsentItem(pk, sk),
                            [
                                ConsentItem.confirmed_at.set(at),
                                ConsentItem.confirmed_ip.set(ip) if ip else ConsentItem.confirmed_ip.remove(),
                                ConsentItem.confirmed_user_agent.set(user_agent or ""),
                                ConsentItem.expires_at.remove(),
                            ],
                            condition=ConsentItem.sk.exists(),
                        )
                    else:  # activities, withdrawals: kept from now on
                        model = model_for(sk)
                        tx.update(model(pk, sk), [model.expires_at.remove()], condition=model.sk.exists())
                if becomes_lead:
                    tx.save(
                        StageChangeItem(
                            pk,
                            f"{STAGE_PREFIX}{at}#lead",
                            lead_id=lead.lead_id,
                            from_stage="subscriber",
                            to_stage="lead",
                            at=at,
                            reason="opt-in confirmed",
                        )
                    )
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in reasons(error):
                raise VersionConflict() from None
            raise
