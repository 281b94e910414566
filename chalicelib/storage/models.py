"""PynamoDB models of Leadflow's single table.

One table keeps every item of a lead under one partition (`LEAD#<lead_id>`),
so a lead's profile, consents, activities and opt-in requests are read with one
Query and written together in one transaction; a lead id is a keyed hash of the
normalised e-mail, so a re-submission finds its lead with a GetItem and the key
does not show the address. Lookup items (opt-in tokens, rate counters) have
partitions of their own. Expiring items carry `expires_at` (DynamoDB TTL).

| item            | pk                     | sk                    |
| --------------- | ---------------------- | --------------------- |
| lead profile    | LEAD#<lead_id>         | LEAD                  |
| consent record  | LEAD#<lead_id>         | CONSENT#<at>#<id>     |
| activity        | LEAD#<lead_id>         | ACT#<at>#<id>         |
| opt-in mail record | LEAD#<lead_id>      | DOI#<at>#<n>          |
| stage change    | LEAD#<lead_id>         | STAGE#<at>#<to>       |
| consent withdrawal | LEAD#<lead_id>      | WITHDRAWAL#<at>#<id>  |
| opt-in token    | TOKEN#<sha256(token)>  | TOKEN                 |
| rate counter    | RATE#<scope>#<key>#<window> | RATE             |
| suppression     | SUPPRESS#<address key> | SUPPRESS              |
| soft bounce     | SUPPRESS#<address key> | SOFT#<at>#<message id> |
| assignment      | LEAD#<lead_id>         | ASSIGN#<sql at>       |
| rep             | REP                    | REP#<rep_id>          |
| speed-to-lead day | STATS#SPEED          | <YYYY-MM-DD>          |
| funnel counter  | FUNNEL#<filters or *>  | DAY#<YYYY-MM-DD>      |
| campaign spend  | SPEND                  | <campaign>#<from>#<to> |
| console session | SESSION#<sha256(id)>   | SESSION               |

Funnel counters and spend (chalicelib/storage/funnel.py) name no lead.
| nurture send    | LEAD#<lead_id>         | NURTURE#<sequence>#<step> |
| sender pause    | SENDER#<job>           | PAUSE                 |
| sending guard   | SENDER#nurture         | REPUTATION            |
| reputation day  | REPUTATION             | DAY#<YYYY-MM-DD>      |
| feedback counted | REPUTATION#SEEN#<keyed hash> | SEEN            |
| pause / resume  | REPUTATION#EVENTS      | <at>#<scope>#<action> |

Suppression partitions are keyed by a keyed hash of the address (not the
lead id), so they outlive the lead's erasure and hold no personal data.

Index `stage_score_activity` (sparse on score): scored leads by stage and score,
for the admin lead list.

Index `rescore` (sparse, keys only): leads whose rounded score decay will
change, by `rescore_shard` (write-sharded) and `rescore_at`.

Index `sla` (sparse, keys only): assignments offered and not yet accepted,
by `sla_shard` and `sla_due_at` (the SLA watcher's work list).

Index `attention` (sparse): assignments nobody holds (`unassigned`) or
offered past their SLA with nobody else to take them (`overdue`), by
`attention` and `attention_at`: the admin list and the watcher's retries.

Reps share one partition (a few hundred at most: listed with one Query). Rep
items and speed-to-lead day items hold counters only, never a lead id.
Index `nurture` (sparse, keys only): leads with a nurture mail to come, by
`nurture_shard` (write-sharded) and `nurture_due`, the moment it may go.

Prediction (chalicelib/prediction, chalicelib/storage/prediction.py):
| prediction counter | PREDICT#COUNTS      | <fact>#<value>, #TOTAL |
| counted outcome    | LEAD#<lead_id>      | PREDICT#OUTCOME        |
| refresh state      | PREDICT#STATE       | REFRESH                |
Counters hold fact values and numbers, never a lead id. Index
`prediction_outcomes` (sparse): counted outcomes by `outcome_shard` and
`outcome_at`, for the weekly rebuild. Index `stage_probability` (sparse on
`prediction_probability`): the lead list by predicted probability.
"""

from __future__ import annotations

import os

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

LEAD_PREFIX = "LEAD#"
LEAD_SK = "LEAD"
CONSENT_PREFIX = "CONSENT#"
ACTIVITY_PREFIX = "ACT#"
OPT_IN_PREFIX = "DOI#"
TOKEN_PREFIX = "TOKEN#"
TOKEN_SK = "TOKEN"
STAGE_PREFIX = "STAGE#"
RATE_PREFIX = "RATE#"
RATE_SK = "RATE"
WITHDRAWAL_PREFIX = "WITHDRAWAL#"
SUPPRESS_PREFIX = "SUPPRESS#"
SUPPRESS_SK = "SUPPRESS"
SOFT_BOUNCE_PREFIX = "SOFT#"
ASSIGNMENT_PREFIX = "ASSIGN#"
REP_PK = "REP"
REP_PREFIX = "REP#"
SPEED_PK = "STATS#SPEED"
NURTURE_PREFIX = "NURTURE#"
WEBHOOK_PREFIX = "HOOK#"
SENDER_PREFIX = "SENDER#"
PAUSE_SK = "PAUSE"
PREDICTION_OUTCOME_SK = "PREDICT#OUTCOME"


def lead_pk(lead_id: str) -> str:
    return LEAD_PREFIX + lead_id


def opt_in_sk(request_id: str) -> str:
    return OPT_IN_PREFIX + request_id


class _TableMeta:
    table_name = os.environ.get("LEADFLOW_TABLE", "leadflow")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1"
    connect_timeout_seconds = 2
    read_timeout_seconds = 5
    max_retry_attempts = 3


class _Item(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # epoch seconds; DynamoDB's TTL deletes the item some time after, reads
    # treat anything past it as absent
    expires_at = NumberAttribute(null=True)


class ContributionMap(MapAttribute):
    """One line of a score's breakdown."""

    rule = UnicodeAttribute()
    kind = UnicodeAttribute()  # fit | engagement | cap
    points = NumberAttribute()
    detail = UnicodeAttribute()


class RescoreIndex(GlobalSecondaryIndex):
    """Sparse: only leads with both attributes set are in it, so the decay
    job's cost grows with the leads due, not with all leads."""

    class Meta:
        index_name = "rescore"
        projection = KeysOnlyProjection()

    rescore_shard = UnicodeAttribute(hash_key=True)
    rescore_at = UnicodeAttribute(range_key=True)


# what the lead list by probability shows (that deployed index holds only these)
PROBABILITY_LIST_ATTRIBUTES = [
    "lead_id",
    "email",
    "status",
    "temperature",
    "form_id",
    "profile",
    "created_at",
    "updated_at",
]
# what the admin lead list shows and filters on (the stage index holds only these)
LIST_ATTRIBUTES = [*PROBABILITY_LIST_ATTRIBUTES, "attribution", "last_activity_at"]


class StageScoreIndex(GlobalSecondaryIndex):
    """Scored leads by stage, best score first (the admin lead list).
    Sparse on `score`: unconfirmed signups are never scored, so not listed.
    A projection cannot change on a deployed index: a new one replaced
    `stage_score` when attribution and last activity joined it."""

    class Meta:
        index_name = "stage_score_activity"
        projection = IncludeProjection(LIST_ATTRIBUTES)

    stage = UnicodeAttribute(hash_key=True)
    score = NumberAttribute(range_key=True)


class StageProbabilityIndex(GlobalSecondaryIndex):
    """Predicted leads by stage, most likely to close first (the lead list
    sorted by probability). Sparse: leads without a number are not in it."""

    class Meta:
        index_name = "stage_probability"
        projection = IncludeProjection([*PROBABILITY_LIST_ATTRIBUTES, "score", "prediction"])

    stage = UnicodeAttribute(hash_key=True)
    prediction_probability = NumberAttribute(range_key=True)


class NurtureIndex(GlobalSecondaryIndex):
    """Sparse like the rescore index: only leads with a nurture mail to come
    are in it, so the sender's cost grows with the mail due, not the leads."""

    class Meta:
        index_name = "nurture"
        projection = KeysOnlyProjection()

    nurture_shard = UnicodeAttribute(hash_key=True)
    nurture_due = UnicodeAttribute(range_key=True)


class LeadItem(_Item):
    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    email = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | confirmed | unsubscribed | imported (no consent, chalicelib/imports)
    stage = UnicodeAttribute()  # subscriber | lead | mql | sql | opportunity | customer
    form_id = UnicodeAttribute()
    locale = UnicodeAttribute()
    timezone = UnicodeAttribute()
    profile = MapAttribute(default=dict)
    attribution = MapAttribute(default=dict)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    confirmed_at = UnicodeAttribute(null=True)
    # items written while the signup is unconfirmed; they carry a TTL that the
    # confirmation removes
    pending_sks = UnicodeSetAttribute(default=set)
    # opt-in mails asked for (the newest request's number) and the token of
    # the newest mail sent; an older token stops working when this changes
    opt_in_requests = NumberAttribute(default=0)
    opt_in_request_id = UnicodeAttribute(null=True)
    opt_in_requested_at = UnicodeAttribute(null=True)
    opt_in_token_hash = UnicodeAttribute(null=True)
    # per-address submission rate: count within the window starting at
    # rate_window (epoch seconds)
    rate_window = NumberAttribute(default=0)
    rate_count = NumberAttribute(default=0)
    unsubscribed_at = UnicodeAttribute(null=True)
    # no mail of any kind: hard bounce, complaint, soft bounces over the
    # threshold (the address's suppression entry says the same, lead or not)
    suppressed = BooleanAttribute(default=False)
    suppressed_reason = UnicodeAttribute(null=True)
    suppressed_at = UnicodeAttribute(null=True)
    # written by the scoring reaction only (chalicelib/scoring)
    score = NumberAttribute(null=True)
    fit_score = NumberAttribute(null=True)
    engagement_score = NumberAttribute(null=True)
    temperature = UnicodeAttribute(null=True)  # cold | warm | hot
    score_breakdown = ListAttribute(of=ContributionMap, null=True)
    scored_at = UnicodeAttribute(null=True)
    # the newest activity's time, kept by the scoring reaction (the lead list)
    last_activity_at = UnicodeAttribute(null=True)
    # when sales last recycled the lead to nurture: only later activity
    # qualifies it again
    recycled_at = UnicodeAttribute(null=True)
    rescore_shard = UnicodeAttribute(null=True)
    rescore_at = UnicodeAttribute(null=True)
    rescore_index = RescoreIndex()
    stage_index = StageScoreIndex()
    # set once the funnel counted this signup (chalicelib/analytics)
    funnel_counted_at = UnicodeAttribute(null=True)
    # written by the nurture code only (chalicelib/nurture): per sequence
    # {step, enrolled_at, ended}, the nurture mails sent within the frequency
    # cap's window, and the next send's index keys
    nurture = MapAttribute(null=True)
    nurture_recent = ListAttribute(of=UnicodeAttribute, null=True)
    nurture_shard = UnicodeAttribute(null=True)
    nurture_due = UnicodeAttribute(null=True)
    nurture_index = NurtureIndex()
    # the import and line that created or last updated the lead
    # (`<import_id>#<line>#<outcome>`): a replayed row finds its own work
    import_ref = UnicodeAttribute(null=True)
    # written by the prediction reaction only (chalicelib/prediction): the
    # prediction shown, and its probability as the sort key of the lead list
    prediction = MapAttribute(null=True)
    prediction_probability = NumberAttribute(null=True)
    probability_index = StageProbabilityIndex()
    version = VersionAttribute()


class ConsentItem(_Item):
    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    form_id = UnicodeAttribute()
    consent_text = UnicodeAttribute()
    consent_version = UnicodeAttribute()
    given_at = UnicodeAttribute()
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    page_url = UnicodeAttribute(null=True)
    attribution = MapAttribute(default=dict)
    confirmed_at = UnicodeAttribute(null=True)
    confirmed_ip = UnicodeAttribute(null=True)
    confirmed_user_agent = UnicodeAttribute(null=True)
    # an imported record: where the consent was given (the file's
    # consent_source) and which import, file and line brought it in
    source = UnicodeAttribute(null=True)
    imported = MapAttribute(null=True)


class WithdrawalItem(_Item):
    """Evidence that the person withdrew consent (unsubscribed): when, how
    (page button or RFC 8058 one-click) and from where. Consent records stay
    as they were; withdrawals are appended next to them."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    withdrawn_at = UnicodeAttribute()
    method = UnicodeAttribute()  # page | one_click
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)


class ActivityItem(_Item):
    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    type = UnicodeAttribute()
    at = UnicodeAttribute()
    source = UnicodeAttribute()
    data = MapAttribute(default=dict)
    # why the hit looks automated (scanner, prefetch): kept, but earns nothing
    flagged = UnicodeAttribute(null=True)


class OptInRequestItem(_Item):
    """The record of one opt-in mail the lead asked for (the lead item names
    the newest request): written by the stream consumer before it sends,
    then when and with which SES message id it went, or why it did not."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    number = NumberAttribute()
    requested_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    token_hash = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    skipped = UnicodeAttribute(null=True)  # why no mail was sent
    # evidence of what was sent (kept while the lead exists once confirmed)
    template = UnicodeAttribute(null=True)
    consent_version = UnicodeAttribute(null=True)


class TokenItem(_Item):
    """Looks an opt-in token's hash up. Kept past its validity (valid_until)
    so that an expired link can be told apart from a wrong one."""

    class Meta(_TableMeta):
        pass

    purpose = UnicodeAttribute()
    lead_id = UnicodeAttribute()
    form_id = UnicodeAttribute()
    valid_until = NumberAttribute()


class StageChangeItem(_Item):
    """Immutable record of a lifecycle stage change (history, funnel)."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    from_stage = UnicodeAttribute()
    to_stage = UnicodeAttribute()
    at = UnicodeAttribute()
    reason = UnicodeAttribute()
    score = NumberAttribute(null=True)
    # set once the funnel counted this change (the only write after creation)
    counted_at = UnicodeAttribute(null=True)


class OtherItem(_Item):
    """An item of a lead's partition of a kind this code does not model
    (written by a later feature): its keys and TTL, enough to confirm,
    show in a timeline, export and erase it."""

    class Meta(_TableMeta):
        pass


class RateCounterItem(_Item):
    class Meta(_TableMeta):
        pass

    count = NumberAttribute(default=0)


class SuppressionItem(_Item):
    """An address that must never be mailed again (hard bounce, complaint,
    soft bounces over the threshold). Written once; the first reason stays."""

    class Meta(_TableMeta):
        pass

    reason = UnicodeAttribute()
    at = UnicodeAttribute()
    source = UnicodeAttribute(null=True)  # e.g. the SES message id


class SoftBounceItem(_Item):
    """One soft bounce of one SES message to the address; its key makes a
    redelivered notification count once. Expires after the counting window."""

    class Meta(_TableMeta):
        pass

    at = UnicodeAttribute()
    message_id = UnicodeAttribute()


class SlaIndex(GlobalSecondaryIndex):
    """Sparse: only assignments waiting for acceptance are in it, so the SLA
    watcher's cost grows with the offers due, not with all leads."""

    class Meta:
        index_name = "sla"
        projection = KeysOnlyProjection()

    sla_shard = UnicodeAttribute(hash_key=True)
    sla_due_at = UnicodeAttribute(range_key=True)


class AttentionIndex(GlobalSecondaryIndex):
    """Sparse: only unassigned and overdue assignments; few, so one partition
    per status, and the whole item projected for the admin list."""

    class Meta:
        index_name = "attention"
        projection = AllProjection()

    attention = UnicodeAttribute(hash_key=True)
    attention_at = UnicodeAttribute(range_key=True)


class AssignmentItem(_Item):
    """A sales-qualified lead's hand-over to reps (chalicelib/routing), one per
    SQL transition. Written by chalicelib/storage/routing.py only."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    key = UnicodeAttribute()
    sql_at = UnicodeAttribute()
    status = UnicodeAttribute()  # offered | accepted | closed | unassigned
    rep_id = UnicodeAttribute(null=True)
    offer = NumberAttribute()
    reason = UnicodeAttribute()
    how = UnicodeAttribute()
    routed_at = UnicodeAttribute()
    offered_at = UnicodeAttribute()
    reassignments = NumberAttribute(default=0)
    tried = ListAttribute(default=list)
    notified_at = UnicodeAttribute(null=True)
    notified_offer = NumberAttribute(default=0)
    webhook_offer = NumberAttribute(default=0)
    accepted_at = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    sla_due_at = UnicodeAttribute(null=True)
    sla_shard = UnicodeAttribute(null=True)
    sla_index = SlaIndex()
    unassigned_at = UnicodeAttribute(null=True)
    unassigned_reason = UnicodeAttribute(null=True)
    attention = UnicodeAttribute(null=True)
    attention_at = UnicodeAttribute(null=True)
    attention_index = AttentionIndex()
    history = ListAttribute(default=list)
    webhook_failures = ListAttribute(default=list)


class NurtureSendItem(_Item):
    """One step of one sequence for one lead: written as a claim before SES
    is called (its key makes the claim unique), then the SES message id.
    `outcome`: claimed, sent, or abandoned (claimed long ago and never
    recorded as sent: possibly sent, so never sent again)."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    sequence = UnicodeAttribute()
    step = NumberAttribute()
    template = UnicodeAttribute()
    claim_id = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    outcome = UnicodeAttribute()
    message_id = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)


class WebhookDeliveryItem(_Item):
    """One integration event to one subscribed URL (sk `HOOK#<event id>#<url
    key>`), written when the stream queues it and moved on by the webhook
    consumer: queued -> posting -> delivered, or -> retrying -> posting ...,
    or -> failed with the error. Each attempt is claimed by number, so a
    redelivered queue message posts nothing twice; failures are visible in
    the lead's view."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    delivery_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    event = MapAttribute(default=dict)  # the payload, without the profile
    url = UnicodeAttribute()
    status = UnicodeAttribute()  # queued | posting | retrying | delivered | failed
    attempts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    at = UnicodeAttribute()  # of the last change
    retry_until = UnicodeAttribute()
    next_attempt_at = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)


class SenderPauseItem(_Item):
    """A scheduled sender told to wait (SES's daily quota is used up). Names
    no lead."""

    class Meta(_TableMeta):
        pass

    until = UnicodeAttribute()
    reason = UnicodeAttribute()


class SendingGuardItem(_Item):
    """The reputation guard's state (chalicelib/storage/reputation.py), in
    attributes named per scope: `paused#<scope>` while that scope is paused
    (no nurture claim of it succeeds), `since#<scope>` (judged only after the
    last resume), `calm#<scope>` (below half the thresholds since). Names no
    lead."""

    class Meta(_TableMeta):
        pass


class OutcomeIndex(GlobalSecondaryIndex):
    """Every counted outcome, write-sharded: the weekly rebuild reads these
    and nothing else."""

    class Meta:
        index_name = "prediction_outcomes"
        projection = IncludeProjection(["label", "facts"])

    outcome_shard = UnicodeAttribute(hash_key=True)
    outcome_at = UnicodeAttribute(range_key=True)


class PredictionOutcomeItem(_Item):
    """What a lead's latest closing outcome added to the prediction
    counters (its class and facts), so that a reversal or an erasure takes
    away exactly that. Written by chalicelib/storage/prediction.py only."""

    class Meta(_TableMeta):
        pass

    lead_id = UnicodeAttribute()
    label = UnicodeAttribute()  # won | lost
    outcome = UnicodeAttribute()  # as the rep recorded it
    assignment = UnicodeAttribute()  # the assignment's sort key
    outcome_at = UnicodeAttribute()
    facts = MapAttribute(default=dict)
    outcome_shard = UnicodeAttribute()
    outcome_index = OutcomeIndex()
