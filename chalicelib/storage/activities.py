"""Activity writes and profile edits on the single table."""

from __future__ import annotations

import secrets
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from .errors import VersionConflict
from .leads import reasons, transaction
from .models import ACTIVITY_PREFIX, LEAD_SK, ActivityItem, LeadItem, lead_pk


def activity_sk(at: str, kind: str) -> str:
    return f"{ACTIVITY_PREFIX}{at}#{kind}#{secrets.token_hex(4)}"


class ActivityStore:
    def record(
        self,
        lead_id: str,
        kind: str,
        at: str,
        source: str,
        data: dict[str, Any],
        flagged: str | None = None,
        confirmed_only: bool = True,
    ) -> str | None:
        """Store an activity if the lead exists (and, unless told otherwise,
        is confirmed), checked in the same transaction: no read first, no
        orphan activity. Returns the activity's sort key, or None when the
        lead is not there to take it."""
        sk = activity_sk(at, kind)
        condition = LeadItem.sk.exists()
        if confirmed_only:
            condition &= LeadItem.status == "confirmed"
        try:
            with transaction() as tx:
                tx.condition_check(LeadItem, lead_pk(lead_id), LEAD_SK, condition=condition)
                tx.save(
                    ActivityItem(
                        lead_pk(lead_id),
                        sk,
                        lead_id=lead_id,
                        type=kind,
                        at=at,
                        source=source,
                        data=data,
                        flagged=flagged,
                    )
                )
        except TransactWriteError as error:
            if reasons(error)[0] == "ConditionalCheckFailed":
                return None
            raise
        return sk

    @staticmethod
    def edit_profile(lead: LeadItem, updates: dict[str, Any], removals: list[str], at: str) -> None:
        """Merge into the profile of the lead as read; VersionConflict if it
        changed meanwhile."""
        profile = {k: v for k, v in (lead.profile.as_dict() if lead.profile else {}).items() if k not in removals}
        profile.update(updates)
        try:
            lead.update([LeadItem.profile.set(profile), LeadItem.updated_at.set(at)])
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise VersionConflict() from None
            raise
