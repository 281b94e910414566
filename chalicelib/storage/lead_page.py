"""The lead page's read of a lead's partition: every item but the
activities, and only the newest activities. Activities are the one kind
that grows without bound (a busy lead has thousands), and their sort keys
(`ACT#...`) sort before every other kind's, so two Queries split them off
and later kinds are still read without a change here."""

from __future__ import annotations

from .models import ACTIVITY_PREFIX, lead_pk
from .raw import query_pages

# every sort key after the activities' (`$` follows `#`)
_AFTER_ACTIVITIES = ACTIVITY_PREFIX[:-1] + "$"


def partition_with_recent_activities(lead_id: str, activities: int) -> list[dict]:
    """Raw items: all but the activities, then the newest `activities`."""
    values = {":pk": {"S": lead_pk(lead_id)}}
    items = []
    for page in query_pages(
        KeyConditionExpression="pk = :pk AND sk >= :after",
        ExpressionAttributeValues={**values, ":after": {"S": _AFTER_ACTIVITIES}},
        ConsistentRead=True,
    ):
        items += page.get("Items", [])
    newest = next(
        query_pages(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :act)",
            ExpressionAttributeValues={**values, ":act": {"S": ACTIVITY_PREFIX}},
            ConsistentRead=True,
            ScanIndexForward=False,
            Limit=activities,
        )
    )
    return items + newest.get("Items", [])
