"""Nurture's reads and writes on the single table: the lead's nurture state
(on the lead item, guarded by its version), the sparse write-sharded `nurture`
index of next send times, the per-step send records (claims) in the lead's
partition, and the sender's pause marker."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.operand import Path

from ..clock import iso
from ..nurture.plan import NurtureLead, Plan, SequenceState
from ..reputation.figures import ALL, sequence_scope
from ..reputation.guard import SendingPaused
from .errors import VersionConflict
from .leads import plain, reasons, transaction
from .models import (
    LEAD_PREFIX,
    LEAD_SK,
    NURTURE_PREFIX,
    PAUSE_SK,
    SENDER_PREFIX,
    LeadItem,
    NurtureSendItem,
    SenderPauseItem,
    SendingGuardItem,
    lead_pk,
)
from .reputation import GUARD_PK, GUARD_SK, paused_attribute

NURTURE_SHARDS = 8
_SHARD_PREFIX = "NURTURE#"
_JOB = "nurture"


class AlreadyClaimed(Exception):
    """The step has a send record: another tick is on it, or it is done."""

    def __init__(self, record: NurtureSendItem):
        super().__init__(record.outcome)
        self.record = record


def nurture_shard(lead_id: str) -> str:
    number = int(hashlib.sha256(lead_id.encode()).hexdigest()[:8], 16) % NURTURE_SHARDS
    return f"{_SHARD_PREFIX}{number}"


def send_sk(sequence: str, step: int) -> str:
    return f"{NURTURE_PREFIX}{sequence}#{step:03d}"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _state(raw: dict) -> SequenceState:
    return SequenceState(step=int(raw["step"]), enrolled_at=_when(raw["enrolled_at"]), ended=raw.get("ended"))


def _raw(state: SequenceState) -> dict:
    raw = {"step": state.step, "enrolled_at": iso(state.enrolled_at)}
    return {**raw, "ended": state.ended} if state.ended else raw


def _is_conditional(error) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class NurtureStore:
    def __init__(self, leads):
        self._leads = leads

    def lead(self, lead_id: str) -> tuple[NurtureLead, LeadItem] | None:
        """A consistent read of the lead: the rules' view and the item (for
        its address and its version)."""
        item = self._leads.get(lead_id)
        if item is None:
            return None
        view = NurtureLead(
            lead_id=lead_id,
            status=item.status,
            suppressed=bool(item.suppressed),
            stage=item.stage,
            form_id=item.form_id,
            locale=item.locale,
            timezone=item.timezone,
            profile=plain(item.profile) or {},
            sequences={name: _state(raw) for name, raw in (plain(item.nurture) or {}).items()},
            recent=tuple(_when(t) for t in item.nurture_recent or ()),
            due_at=_when(item.nurture_due) if item.nurture_due else None,
            recycled_at=item.recycled_at,
        )
        return view, item

    def save(self, item: LeadItem, plan: Plan) -> None:
        """Store the plan and (un)list the lead in the index. Raises
        VersionConflict if the lead changed since `item` was read."""
        actions = [
            LeadItem.nurture.set({name: _raw(state) for name, state in plan.sequences.items()}),
            LeadItem.nurture_recent.set([iso(t) for t in plan.recent]),
        ]
        if plan.next:
            actions += [
                LeadItem.nurture_shard.set(nurture_shard(item.lead_id)),
                LeadItem.nurture_due.set(iso(plan.next.at)),
            ]
        else:  # out of the index
            actions += [LeadItem.nurture_shard.remove(), LeadItem.nurture_due.remove()]
        try:
            # the version condition also fails on an erased lead: never recreate one
            LeadItem(lead_pk(item.lead_id), LEAD_SK, version=item.version).update(actions)
        except UpdateError as error:
            if _is_conditional(error):
                raise VersionConflict() from None
            raise

    # --- send records (claims) -------------------------------------------
    def claim(self, item: LeadItem, sequence: str, step: int, template: str, claim_id: str, at: str) -> None:
        """Write the step's send record, if there is none, while the lead is
        as read (so the may-we-mail answer given on that read still holds)
        and the sending guard pauses neither nurture nor this sequence.
        Raises AlreadyClaimed, VersionConflict or SendingPaused; then nothing
        is written."""
        pk = lead_pk(item.lead_id)
        record = NurtureSendItem(
            pk,
            send_sk(sequence, step),
            lead_id=item.lead_id,
            sequence=sequence,
            step=step,
            template=template,
            claim_id=claim_id,
            claimed_at=at,
            outcome="claimed",
        )
        try:
            with transaction() as tx:
                tx.save(record, condition=NurtureSendItem.sk.does_not_exist())
                tx.condition_check(LeadItem, pk, LEAD_SK, condition=LeadItem.version == item.version)
                # checked in the claim itself: a pause written mid-tick stops the very next claim
                tx.condition_check(
                    SendingGuardItem,
                    GUARD_PK,
                    GUARD_SK,
                    condition=Path([paused_attribute(ALL)]).does_not_exist()
                    & Path([paused_attribute(sequence_scope(sequence))]).does_not_exist(),
                )
        except TransactWriteError as error:
            failed = reasons(error)
            if "ConditionalCheckFailed" not in failed:
                raise
            # condition checks go first, in the order added: lead, guard, then the put
            if failed[1] == "ConditionalCheckFailed":
                raise SendingPaused(sequence) from None
            existing = self.record(item.lead_id, sequence, step)
            if existing is not None:
                raise AlreadyClaimed(existing) from None
            raise VersionConflict() from None

    @staticmethod
    def record(lead_id: str, sequence: str, step: int) -> NurtureSendItem | None:
        try:
            return NurtureSendItem.get(lead_pk(lead_id), send_sk(sequence, step), consistent_read=True)
        except NurtureSendItem.DoesNotExist:
            return None

    @staticmethod
    def _update_record(lead_id: str, sequence: str, step: int, actions: list, condition) -> bool:
        """False if the condition failed, also when the record is gone (the
        lead was erased meanwhile: an update must not bring it back)."""
        try:
            NurtureSendItem(lead_pk(lead_id), send_sk(sequence, step)).update(actions, condition=condition)
            return True
        except UpdateError as error:
            if _is_conditional(error):
                return False
            raise

    def record_sent(self, lead_id: str, sequence: str, step: int, claim_id: str, message_id: str, at: str) -> bool:
        return self._update_record(
            lead_id,
            sequence,
            step,
            [
                NurtureSendItem.outcome.set("sent"),
                NurtureSendItem.message_id.set(message_id),
                NurtureSendItem.sent_at.set(at),
            ],
            NurtureSendItem.claim_id == claim_id,
        )

    @staticmethod
    def release(lead_id: str, sequence: str, step: int, claim_id: str) -> None:
        """Drop our claim: SES refused, nothing went out, a later tick sends."""
        try:
            NurtureSendItem(lead_pk(lead_id), send_sk(sequence, step)).delete(
                condition=(NurtureSendItem.claim_id == claim_id) & NurtureSendItem.message_id.does_not_exist()
            )
        except NurtureSendItem.DeleteError as error:
            if not _is_conditional(error):
                raise

    def abandon(self, lead_id: str, sequence: str, step: int, claim_id: str) -> bool:
        """Mark a stale claim as given up; False if it changed meanwhile."""
        return self._update_record(
            lead_id,
            sequence,
            step,
            [NurtureSendItem.outcome.set("abandoned")],
            (NurtureSendItem.claim_id == claim_id) & (NurtureSendItem.outcome == "claimed"),
        )

    # --- the index and the pause marker -----------------------------------
    @staticmethod
    def _due_items(shard: int, now: datetime, limit: int):
        return LeadItem.nurture_index.query(
            f"{_SHARD_PREFIX}{shard}", LeadItem.nurture_due <= iso(now), limit=limit, page_size=min(limit, 500)
        )

    def due(self, shard: int, now: datetime, limit: int) -> list[str]:
        """Lead ids in one shard whose next nurture mail may go by `now`."""
        return [item.pk[len(LEAD_PREFIX) :] for item in self._due_items(shard, now, limit)]

    def oldest_due(self, shards: int, now: datetime, limit: int) -> list[str]:
        """The `limit` lead ids due longest, across every shard (each shard's
        index is in due order, so `limit` from each is enough)."""
        due = [
            (item.nurture_due, item.pk[len(LEAD_PREFIX) :])
            for shard in range(shards)
            for item in self._due_items(shard, now, limit)
        ]
        return [lead_id for _, lead_id in sorted(due)[:limit]]

    @staticmethod
    def paused_until() -> datetime | None:
        try:
            return _when(SenderPauseItem.get(SENDER_PREFIX + _JOB, PAUSE_SK, consistent_read=True).until)
        except SenderPauseItem.DoesNotExist:
            return None

    @staticmethod
    def pause(until: datetime, reason: str) -> None:
        try:
            # an earlier pause that lasts longer stays
            SenderPauseItem(SENDER_PREFIX + _JOB, PAUSE_SK, until=iso(until), reason=reason).save(
                condition=SenderPauseItem.until.does_not_exist() | (SenderPauseItem.until < iso(until))
            )
        except PutError as error:
            if not _is_conditional(error):
                raise
