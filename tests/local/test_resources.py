import json

from infra.resources import create_resources, load_resources

from .conftest import REGION, client


def test_every_declared_resource_is_created_with_its_settings(deployment):
    sqs = client("sqs")
    work = sqs.get_queue_attributes(QueueUrl=deployment["Work"].url, AttributeNames=["All"])["Attributes"]
    assert work["VisibilityTimeout"] == "0"
    assert json.loads(work["RedrivePolicy"]) == {"deadLetterTargetArn": deployment["WorkDlq"].arn, "maxReceiveCount": 2}
    ordered = sqs.get_queue_attributes(QueueUrl=deployment["Ordered"].url, AttributeNames=["All"])["Attributes"]
    assert deployment["Ordered"].name == "fixture-ordered.fifo"
    assert ordered["FifoQueue"] == "true" and ordered["ContentBasedDeduplication"] == "true"
    assert deployment["OrderedDlq"].name == "fixture-ordered-dlq.fifo"

    table = client("dynamodb").describe_table(TableName="fixture")["Table"]
    assert table["LatestStreamArn"] == deployment["Table"].stream_arn
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"

    ses = client("ses")
    assert "hello@leadflow.test" in ses.list_identities()["Identities"]
    described = ses.describe_configuration_set(
        ConfigurationSetName="fixture-mail", ConfigurationSetAttributeNames=["eventDestinations"]
    )
    [destination] = described["EventDestinations"]
    assert destination["Name"] == "fixture-mail-to-sns"
    assert destination["SNSDestination"]["TopicARN"] == deployment["Events"].arn
    assert "EventsQueuePolicy" not in deployment  # AWS-only: nothing to create locally


def test_a_subscribed_queue_receives_what_the_topic_publishes(deployment):
    client("sns").publish(TopicArn=deployment["Events"].arn, Message='{"hello": "queue"}')
    received = client("sqs").receive_message(QueueUrl=deployment["EventsQueue"].url)["Messages"]
    assert [m["Body"] for m in received] == ['{"hello": "queue"}']  # raw delivery as declared


def test_environment_names_each_resource_as_its_variable_asks(deployment):
    env = deployment.environment()
    assert env["FIXTURE_TABLE"] == "fixture"
    assert env["FIXTURE_WORK_QUEUE"] == "fixture-work"
    assert env["FIXTURE_ORDERED_QUEUE_URL"] == deployment["Ordered"].url
    assert env["FIXTURE_EVENTS_TOPIC_ARN"].startswith(f"arn:aws:sns:{REGION}:")
    assert env["FIXTURE_CONFIGURATION_SET"] == "fixture-mail"


def test_the_shipped_template_creates_on_moto():
    from moto import mock_aws

    with mock_aws():
        created = create_resources(client, load_resources(), region=REGION)
    assert created["LeadsTable"].name == "leadflow"
