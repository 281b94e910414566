"""Scoring cost against the bare DynamoDB work the consumer cannot avoid.

1. Rescoring one lead with 1,000 activities (read lead, query activities,
   score, write) vs the bare GetItem + Query + UpdateItem on the same
   in-process moto backend; and the pure score() alone vs the same bare work.
2. A stream batch of 100 activity records (100 leads) through the real
   consumer vs the bare reads and writes per record.
Ratios from one run (medians of a few rounds); no absolute thresholds."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from .backend import BENCH_ENV

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TYPES = ["page_view", "pricing_page_view", "email_open", "email_click", "whitepaper_download", "webinar_registered"]
ROUNDS = 3


def _timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _seed(lead_id: str, activities: int, clock) -> None:
    from chalicelib.clock import iso
    from chalicelib.storage.activities import activity_sk
    from chalicelib.storage.models import ActivityItem, LeadItem, lead_pk

    at = iso(clock.now())
    LeadItem(
        lead_pk(lead_id),
        "LEAD",
        lead_id=lead_id,
        email=f"{lead_id}@acme.example",
        status="confirmed",
        stage="lead",
        form_id="demo",
        locale="de",
        timezone="UTC",
        created_at=at,
        updated_at=at,
        profile={"company_size": "51-200", "industry": "software", "country": "DE"},
    ).save()
    with ActivityItem.batch_write() as batch:
        for n in range(activities):
            moment = iso(clock.now() - timedelta(hours=n))
            batch.save(
                ActivityItem(
                    lead_pk(lead_id),
                    activity_sk(moment, TYPES[n % len(TYPES)]),
                    lead_id=lead_id,
                    type=TYPES[n % len(TYPES)],
                    at=moment,
                    source="web",
                    data={},
                )
            )


def _bare(lead_id: str, clock) -> None:
    """What any rescore must do: read the lead, read its activities, write once."""
    from chalicelib.clock import iso
    from chalicelib.storage.models import ACTIVITY_PREFIX, ActivityItem, LeadItem, lead_pk

    lead = LeadItem.get(lead_pk(lead_id), "LEAD", consistent_read=True)
    since = ACTIVITY_PREFIX + iso(clock.now() - timedelta(days=365))
    list(
        ActivityItem.query(
            lead_pk(lead_id),
            ActivityItem.sk.between(since, ACTIVITY_PREFIX + "~"),
            consistent_read=True,
            attributes_to_get=["sk", "type", "at", "flagged", "expires_at"],
        )
    )
    LeadItem._get_connection().update_item(
        lead_pk(lead_id),
        range_key="LEAD",
        actions=[LeadItem.scored_at.set(iso(clock.now())), LeadItem.version.add(1)],
        condition=LeadItem.version == lead.version,
        return_values="NONE",
    )


def _drain(reader) -> None:
    while reader.read():
        pass


def main() -> None:
    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    import boto3
    from moto import mock_aws

    from chalicelib.clock import FixedClock, iso
    from chalicelib.scoring.rules import score
    from chalicelib.storage.activities import activity_sk
    from chalicelib.storage.models import ActivityItem, lead_pk
    from chalicelib.stream.consumer import process_batch
    from chalicelib.wiring import Services
    from infra.local.streams import StreamReader
    from infra.resources import create_tables

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-central-1")
        create_tables(dynamodb)
        clock = FixedClock(START)
        services = Services(clock=clock)

        _seed("big", 1000, clock)
        activities = services.scores.activities("big", START - timedelta(days=365))
        full, bare, pure = [], [], []
        for round_ in range(2 * ROUNDS + 1):
            clock.advance(3600)  # the score decays, so every rescore writes
            # alternate the order so neither side profits from a warm cache
            for measure in ("full", "bare") if round_ % 2 else ("bare", "full"):
                if measure == "full":
                    full.append(_timed(lambda: services.scorer.rescore("big")))
                else:
                    bare.append(_timed(lambda: _bare("big", clock)))
            pure.append(_timed(lambda: score({}, activities, services.playbook.scoring, clock.now())))
        f, b, p = (statistics.median(x) for x in (full, bare, pure))
        print(
            f"rescore, 1,000 activities: {f / b:.2f}x the bare GetItem+Query+UpdateItem "
            f"(pure score() alone: {p / b:.3f}x; {len(activities)} activities read)"
        )

        arn = dynamodb.describe_table(TableName="leadflow")["Table"]["LatestStreamArn"]
        reader = StreamReader(boto3.client("dynamodbstreams", region_name="eu-central-1"), arn, "eu-central-1")
        leads = [f"lead{n:03d}" for n in range(100)]
        for lead_id in leads:
            _seed(lead_id, 10, clock)
        reactions = services.stream_reactions
        _drain(reader)  # the seeding's records are not part of what is measured
        full, bare = [], []
        for _ in range(ROUNDS):
            clock.advance(60)
            with ActivityItem.batch_write() as batch:  # the records to consume, written outside the timing
                for lead_id in leads:
                    batch.save(
                        ActivityItem(
                            lead_pk(lead_id),
                            activity_sk(iso(clock.now()), "whitepaper_download"),
                            lead_id=lead_id,
                            type="whitepaper_download",
                            at=iso(clock.now()),
                            source="web",
                            data={},
                        )
                    )
            records = [r for r in reader.read() if r["dynamodb"]["Keys"]["sk"]["S"].startswith("ACT#")]
            assert len(records) == len(leads)
            full.append(_timed(lambda batch=records: process_batch(batch, reactions)))
            _drain(reader)  # the consumer's own writes: not part of the batch measured
            bare.append(_timed(lambda: [_bare(lead_id, clock) for lead_id in leads]))
        f, b = statistics.median(full), statistics.median(bare)
        print(
            f"stream batch of 100 activity records: {f / b:.2f}x the bare reads and writes "
            f"({f * 10:.1f} ms per record vs {b * 10:.1f} ms bare, in-process moto)"
        )
