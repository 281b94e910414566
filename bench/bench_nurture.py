"""One nurture tick with 100 leads due among 1,000 and among 100,000 stored
leads: items read per due lead, and the tick's time at both sizes.

The leads are put straight into moto's in-process table objects (100,000
through HTTP would take an hour); the tick runs through the real code: the
schedule's handler, the store, PynamoDB, botocore and moto's DynamoDB and
SES. Items read are what DynamoDB would bill: each Query's ScannedCount and
each GetItem that found an item.

moto answers a Query on a global secondary index by walking every item of
the table (DynamoDB reads only the index's key range), so the tick's time is
also shown without the time spent inside moto's index walk."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from .backend import BENCH_ENV

DUE = 100
SIZES = (1_000, 100_000)
ROUNDS = 3
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 11:00 in Berlin: no quiet hours


class Reads:
    """Items read, from botocore's answers (boto3 and PynamoDB alike)."""

    def __init__(self):
        self.index = 0  # index entries (Query's ScannedCount)
        self.items = 0  # items got by key

    def install(self):
        import botocore.client

        real_call = botocore.client.BaseClient._make_api_call
        reads = self

        def counted(client, operation, params):
            answer = real_call(client, operation, params)
            if operation == "Query":
                reads.index += answer.get("ScannedCount", 0)
            elif operation == "GetItem" and "Item" in answer:
                reads.items += 1
            return answer

        botocore.client.BaseClient._make_api_call = counted


class IndexWalk:
    """Time spent inside moto's Query when it serves a secondary index."""

    def __init__(self):
        self.seconds = 0.0

    def install(self):
        from moto.dynamodb.models.table import Table

        real_query = Table.query
        walk = self

        def timed(table, *args, **kwargs):
            # moto's backend passes index_name as the eighth positional argument
            if not kwargs.get("index_name", args[7] if len(args) > 7 else None):
                return real_query(table, *args, **kwargs)
            start = time.perf_counter()
            try:
                return real_query(table, *args, **kwargs)
            finally:
                walk.seconds += time.perf_counter() - start

        Table.query = timed


class NoWait:
    """Pacing is not what is measured here."""

    @staticmethod
    def monotonic():
        return 0.0

    @staticmethod
    def sleep(seconds):
        pass


def lead_attrs(n: int, due: bool) -> dict:
    """A confirmed lead in the welcome sequence: step 1 due now, or step 2
    due in two days (in the index, not due); every third not due has
    finished its sequences (not in the index at all)."""
    from chalicelib.clock import iso
    from chalicelib.storage.models import LEAD_SK, LeadItem, lead_pk
    from chalicelib.storage.nurture import nurture_shard

    lead_id = f"bench{n:07d}"
    enrolled = NOW - (timedelta(minutes=5) if due else timedelta(days=1))
    step = 0 if due else 1
    item = LeadItem(
        lead_pk(lead_id),
        LEAD_SK,
        lead_id=lead_id,
        email=f"{lead_id}@example.com",
        status="confirmed",
        stage="lead",
        form_id="demo",
        locale="en",
        timezone="Europe/Berlin",
        profile={},
        created_at=iso(enrolled),
        updated_at=iso(enrolled),
        version=1,
        nurture={"welcome": {"step": step, "enrolled_at": iso(enrolled)}},
        nurture_recent=[] if due else [iso(enrolled)],
    )
    if due or n % 3:
        item.nurture_shard = nurture_shard(lead_id)
        item.nurture_due = iso(NOW - timedelta(minutes=5) if due else enrolled + timedelta(days=2))
    return item.serialize()


def fill(table, stored: int) -> list[dict]:
    """`stored` leads, DUE of them due (spread over the ids); returns those."""
    every = stored // DUE
    due = []
    for n in range(stored):
        attrs = lead_attrs(n, due=n % every == 0)
        table.put_item(dict(attrs))
        if n % every == 0:
            due.append(attrs)
    return due


def reset(table, dynamodb, due: list[dict]) -> None:
    """Make the due leads due again: their items as before, no send records."""
    from chalicelib.storage.nurture import send_sk

    for attrs in due:
        table.put_item(dict(attrs))
        dynamodb.delete_item(TableName="leadflow", Key={"pk": attrs["pk"], "sk": {"S": send_sk("welcome", 0)}})


def measure(stored: int, reads: Reads, walk: IndexWalk) -> dict:
    import boto3
    from chalice.local import LambdaContext
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from app import app
    from chalicelib.clock import FixedClock
    from chalicelib.wiring import Services, configure
    from infra.resources import create_tables

    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_tables(dynamodb)
        boto3.client("ses").verify_email_identity(EmailAddress="hello@leadflow.example")
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]].get_table("leadflow")
        table.stream_shard = None  # no stream consumer here: keep no records
        due = fill(table, stored)
        configure(Services(clock=FixedClock(NOW), timer=NoWait()))
        event = {
            "version": "0",
            "id": "bench",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": DEFAULT_ACCOUNT_ID,
            "time": "2026-11-24T10:00:00Z",
            "region": os.environ["AWS_REGION"],
            "resources": [],
            "detail": {},
        }
        runs = []
        for _ in range(ROUNDS + 1):  # the first warms the clients up
            reset(table, dynamodb, due)
            reads.index, reads.items, walk.seconds = 0, 0, 0.0
            start = time.perf_counter()
            result = app.handler_map["send_nurture"](event, LambdaContext("send_nurture", 512, max_runtime_ms=900_000))
            elapsed = time.perf_counter() - start
            assert result == {"sent": DUE}, result
            runs.append(
                {"seconds": elapsed, "outside_walk": elapsed - walk.seconds, "index": reads.index, "items": reads.items}
            )
        configure(None)
    measured = runs[1:]
    return {
        "seconds": statistics.median(r["seconds"] for r in measured),
        "outside_walk": statistics.median(r["outside_walk"] for r in measured),
        "index": measured[-1]["index"],
        "items": measured[-1]["items"],
    }


def main() -> None:
    os.environ.update(BENCH_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    reads, walk = Reads(), IndexWalk()
    reads.install()
    walk.install()
    from infra.local import moto_fixes

    moto_fixes.apply()
    results = {stored: measure(stored, reads, walk) for stored in SIZES}
    for stored, result in results.items():
        print(
            f"{DUE} due among {stored:>7,} leads: index entries read per due lead "
            f"{result['index'] / DUE:.2f}, all items read per due lead {(result['index'] + result['items']) / DUE:.2f} "
            f"(with the consistent lead read); tick {result['seconds']:.2f} s, "
            f"{result['outside_walk']:.2f} s outside moto's index walk"
        )
    small, large = (results[s] for s in SIZES)
    print(
        f"time ratio {SIZES[1]:,} / {SIZES[0]:,}: {large['seconds'] / small['seconds']:.2f}x whole tick, "
        f"{large['outside_walk'] / small['outside_walk']:.2f}x outside moto's index walk"
    )


if __name__ == "__main__":
    main()
