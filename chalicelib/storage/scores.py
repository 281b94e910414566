"""Scoring's reads and writes on the single table: a lead with the activities
that can count, the score write (optimistic locking, stage-change items in
the same transaction) and the sparse rescore index."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.exceptions import TransactWriteError, UpdateError

from ..clock import epoch, iso
from ..scoring.plan import ScoredLead, ScoreWrite
from ..scoring.rules import Activity
from .errors import VersionConflict
from .leads import plain, reasons, transaction
from .models import (
    ACTIVITY_PREFIX,
    LEAD_PREFIX,
    LEAD_SK,
    STAGE_PREFIX,
    ActivityItem,
    LeadItem,
    StageChangeItem,
    lead_pk,
)

RESCORE_SHARDS = 8
_SHARD_PREFIX = "RESCORE#"
_ACTIVITY_FIELDS = ["sk", "type", "at", "flagged", "expires_at", "source"]


def rescore_shard(lead_id: str) -> str:
    number = int(hashlib.sha256(lead_id.encode()).hexdigest()[:8], 16) % RESCORE_SHARDS
    return f"{_SHARD_PREFIX}{number}"


def stage_change_sk(at: str, to_stage: str) -> str:
    return f"{STAGE_PREFIX}{at}#{to_stage}"


def _scored(item: LeadItem) -> dict | None:
    if item.score is None:
        return None
    return {
        "total": item.score,
        "fit": item.fit_score,
        "engagement": item.engagement_score,
        "temperature": item.temperature,
        "breakdown": plain(item.score_breakdown or []),
    }


class ScoreStore:
    def __init__(self, leads, clock):
        self._leads = leads
        self._clock = clock

    def lead(self, lead_id: str) -> ScoredLead | None:
        item = self._leads.get(lead_id)
        if item is None:
            return None
        return ScoredLead(
            lead_id=lead_id,
            version=item.version,
            status=item.status,
            stage=item.stage,
            email=item.email,
            profile=plain(item.profile),
            scored=_scored(item),
            rescore_at=item.rescore_at,
            recycled_at=item.recycled_at,
            last_activity_at=item.last_activity_at,
        )

    def activities(self, lead_id: str, since: datetime, data_keys: tuple[str, ...] = ()) -> list[Activity]:
        """The lead's activities from `since` on: one Query on the sort key
        range, only the attributes scoring needs (of the data, `data_keys`)."""
        now = epoch(self._clock.now())
        found = []
        for item in ActivityItem.query(
            lead_pk(lead_id),
            ActivityItem.sk.between(ACTIVITY_PREFIX + iso(since), ACTIVITY_PREFIX + "~"),
            consistent_read=True,
            attributes_to_get=[*_ACTIVITY_FIELDS, *(f"data.{key}" for key in data_keys)],
        ):
            if item.expires_at is None or item.expires_at > now:  # past its TTL: as good as deleted
                at = datetime.fromisoformat(item.at)
                found.append(Activity(item.type, at, item.flagged, item.source, plain(item.data)))
        return found

    def write(self, lead: ScoredLead, write: ScoreWrite) -> None:
        """Apply a rescore or a sales outcome. Raises VersionConflict if the
        lead changed since it was read; then nothing is written."""
        pk = lead_pk(lead.lead_id)
        actions = []
        if write.score is not None:
            result = write.score
            actions += [
                LeadItem.score.set(result.total),
                LeadItem.fit_score.set(result.fit),
                LeadItem.engagement_score.set(result.engagement),
                LeadItem.temperature.set(result.temperature),
                LeadItem.score_breakdown.set(
                    [{"rule": c.rule, "kind": c.kind, "points": c.points, "detail": c.detail} for c in result.breakdown]
                ),
                LeadItem.scored_at.set(write.at),
            ]
        if write.rescore_at:
            actions += [
                LeadItem.rescore_shard.set(rescore_shard(lead.lead_id)),
                LeadItem.rescore_at.set(write.rescore_at),
            ]
        else:
            actions += [LeadItem.rescore_shard.remove(), LeadItem.rescore_at.remove()]
        if write.recycled_at:
            actions.append(LeadItem.recycled_at.set(write.recycled_at))
        if write.last_activity_at:
            actions.append(LeadItem.last_activity_at.set(write.last_activity_at))
        change = write.stage_change
        lead_item = LeadItem(pk, LEAD_SK, version=lead.version)  # the version read: the write's condition
        if change is None:
            # most rescores: one conditional UpdateItem (a transaction costs
            # twice), returning nothing (Model.update would return the item)
            try:
                LeadItem._get_connection().update_item(
                    pk,
                    range_key=LEAD_SK,
                    actions=[*actions, LeadItem.version.add(1)],
                    condition=LeadItem.version == lead.version,
                    return_values="NONE",
                )
            except UpdateError as error:
                if error.cause_response_code == "ConditionalCheckFailedException":
                    raise VersionConflict() from None
                raise
            return
        actions.append(LeadItem.stage.set(change.to_stage))
        try:
            with transaction() as tx:
                tx.update(lead_item, actions)
                # the lead's version check already makes this unique; the
                # condition keeps an immutable record immutable regardless
                tx.save(
                    StageChangeItem(
                        pk,
                        stage_change_sk(write.at, change.to_stage),
                        lead_id=lead.lead_id,
                        from_stage=change.from_stage,
                        to_stage=change.to_stage,
                        at=write.at,
                        reason=change.reason,
                        score=write.score.total if write.score else (lead.scored or {}).get("total"),
                    ),
                    condition=StageChangeItem.sk.does_not_exist(),
                )
        except TransactWriteError as error:
            if "ConditionalCheckFailed" in reasons(error):
                raise VersionConflict() from None
            raise

    @staticmethod
    def due(shard: int, now: datetime, limit: int) -> list[str]:
        """Lead ids in one rescore shard whose rescore time has come."""
        return [
            item.pk[len(LEAD_PREFIX) :]
            for item in LeadItem.rescore_index.query(
                f"{_SHARD_PREFIX}{shard}", LeadItem.rescore_at <= iso(now), limit=limit
            )
        ]
