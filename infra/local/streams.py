"""Reads a DynamoDB stream through the Streams API and hands out records in
exactly the shape Lambda delivers them (the local pump and tests use it).

boto3's records differ from Lambda's: ApproximateCreationDateTime is a
datetime (Lambda: epoch seconds), eventSourceARN is missing, and binary
attributes are bytes (Lambda: base64)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any


def _b64_binaries(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            if key == "B" and isinstance(inner, (bytes, bytearray)):
                out[key] = base64.b64encode(inner).decode()
            elif key == "BS" and isinstance(inner, list):
                out[key] = [base64.b64encode(b).decode() for b in inner]
            else:
                out[key] = _b64_binaries(inner)
        return out
    if isinstance(value, list):
        return [_b64_binaries(v) for v in value]
    return value


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = int(created.timestamp())
    for image in ("Keys", "NewImage", "OldImage"):
        if image in body:
            body[image] = _b64_binaries(body[image])
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,  # moto reports us-east-1 whatever the table's region
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


class StreamReader:
    """Follows every shard of a stream from its start; `read()` returns the
    records that arrived since the last call, in shard order."""

    def __init__(self, streams_client, stream_arn: str, region: str):
        self._client = streams_client
        self._arn = stream_arn
        self._region = region
        self._iterators: dict[str, str | None] = {}

    def shards(self) -> list[str]:
        description = self._client.describe_stream(StreamArn=self._arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description["Shards"]]

    def read_shard(self, shard: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` records of one shard that arrived since the last read."""
        if shard not in self._iterators:
            self._iterators[shard] = self._client.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        iterator = self._iterators[shard]
        if iterator is None:
            return []
        page = self._client.get_records(ShardIterator=iterator, Limit=limit)
        self._iterators[shard] = page.get("NextShardIterator")
        return [lambda_record(r, self._arn, self._region) for r in page["Records"]]

    def read(self, limit: int = 1000) -> list[dict[str, Any]]:
        return [record for shard in self.shards() for record in self.read_shard(shard, limit)]
