"""The patched moto transaction keeps DynamoDB's all-or-nothing semantics."""

import boto3
import pytest
from botocore.exceptions import ClientError

from .conftest import REGION, stored_items


def put(pk, condition=None):
    op = {"TableName": "leadflow", "Item": {"pk": {"S": pk}, "sk": {"S": "x"}, "n": {"N": "1"}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def stream_records(dynamodb):
    arn = dynamodb.describe_table(TableName="leadflow")["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]


def test_a_failed_condition_cancels_everything_and_emits_no_stream_record(aws):
    aws.put_item(TableName="leadflow", Item={"pk": {"S": "taken"}, "sk": {"S": "x"}})
    before = stream_records(aws)
    with pytest.raises(ClientError) as raised:
        aws.transact_write_items(TransactItems=[put("new"), put("taken", "attribute_not_exists(pk)")])
    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert [i["pk"]["S"] for i in stored_items(aws)] == ["taken"]
    assert stream_records(aws) == before


def test_conditions_see_the_state_before_the_transaction(aws):
    aws.transact_write_items(TransactItems=[put("a", "attribute_not_exists(pk)"), put("b")])
    assert sorted(i["pk"]["S"] for i in stored_items(aws)) == ["a", "b"]


def test_a_write_that_fails_while_applying_restores_the_touched_items(aws):
    aws.put_item(TableName="leadflow", Item={"pk": {"S": "a"}, "sk": {"S": "x"}, "n": {"S": "text"}})
    bad_update = {
        "Update": {
            "TableName": "leadflow",
            "Key": {"pk": {"S": "a"}, "sk": {"S": "x"}},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    with pytest.raises(ClientError):
        aws.transact_write_items(TransactItems=[put("b"), bad_update])
    assert [(i["pk"]["S"], i["n"]) for i in stored_items(aws)] == [("a", {"S": "text"})]


def test_concurrent_conditional_writes_have_exactly_one_winner(aws):
    import threading

    outcomes = []

    def claim(n):
        client = boto3.client("dynamodb", region_name=REGION)
        try:
            client.transact_write_items(TransactItems=[put("seat", "attribute_not_exists(pk)"), put(f"ticket{n}")])
            outcomes.append("won")
        except ClientError:
            outcomes.append("lost")

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost"] * 15 + ["won"]
    assert len(stored_items(aws)) == 2
