"""`make bench` runs its benchmarks one after another in one process: the
moto server behind them must outlive each one, for the app's clients are
built once per process."""

import os

import boto3

from bench.backend import moto_backend


def test_a_client_built_in_one_benchmark_still_reaches_the_backend_in_the_next():
    saved = dict(os.environ)
    try:
        with moto_backend():
            kept = boto3.client("dynamodb")  # as the app's services keep theirs
            kept.put_item(TableName="leadflow", Item={"pk": {"S": "first"}, "sk": {"S": "run"}})
        with moto_backend():
            assert kept.list_tables()["TableNames"] == ["leadflow"]
            # and each benchmark starts from an empty table
            assert (
                kept.get_item(TableName="leadflow", Key={"pk": {"S": "first"}, "sk": {"S": "run"}}).get("Item") is None
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)
