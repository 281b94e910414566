"""Integration fixtures: the Chalice app on moto in process, with the table
created from infra/resources.yaml and a fixed, movable clock."""

from __future__ import annotations

import email
import email.policy
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import botocore.client
import pytest
from chalice.test import Client
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.clock import FixedClock
from chalicelib.wiring import Services, configure
from infra.local.streams import StreamReader
from infra.resources import create_resources, create_tables, load_resources

REGION = "eu-central-1"
SENDER = "hello@leadflow.test"
ADMIN = {"Authorization": "Bearer test-admin-token"}
START = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)


ROOT = Path(__file__).resolve().parents[2]
# the deployed code: no request path and no scheduled job may scan the table
APP_CODE = (str(ROOT / "app.py"), str(ROOT / "chalicelib") + "/")


def _ours(filename: str) -> bool:
    return filename.startswith(str(ROOT) + "/") and not filename.startswith(str(ROOT / ".venv"))


class ScanGuard:
    """Fails every DynamoDB Scan that app.py or chalicelib asks for, through
    boto3 or PynamoDB (both call botocore's _make_api_call); the tests' own
    helpers (stored_items) may scan."""

    def __init__(self):
        self.violations: list[str] = []

    def check(self, operation: str) -> None:
        if operation != "Scan":
            return
        # the nearest caller of ours decides (a test helper called from
        # inside app code, e.g. a fault hook, is still the test's scan)
        frame = sys._getframe(2)
        while frame is not None and not _ours(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is not None and frame.f_code.co_filename.startswith(APP_CODE):
            where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
            self.violations.append(where)
            raise AssertionError(f"DynamoDB Scan from {where}: use keys or a sparse index")


@pytest.fixture(autouse=True)
def no_table_scans(monkeypatch):
    guard = ScanGuard()
    real_call = botocore.client.BaseClient._make_api_call

    def guarded(client, operation_name, api_params):
        guard.check(operation_name)
        return real_call(client, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", guarded)
    yield guard
    # also caught if the app swallowed the AssertionError (a 500, a batch failure)
    assert not guard.violations, f"the app scanned the table: {guard.violations}"


@pytest.fixture
def aws():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_tables(dynamodb)
        # the queues too: the stream hands SQLs to the routing queue
        queues = {k: r for k, r in load_resources().items() if r["Type"] == "AWS::SQS::Queue"}
        create_resources(lambda service: boto3.client(service, region_name=REGION), queues, region=REGION)
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
        yield dynamodb


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def services(aws, clock):
    built = Services(clock=clock)
    configure(built)
    yield built
    configure(None)


@pytest.fixture
def client(services):
    from app import app

    with Client(app) as test_client:
        yield test_client


def stored_items(dynamodb):
    """Every item in the table (tests only: the app itself never scans)."""
    return dynamodb.scan(TableName="leadflow", ConsistentRead=True)["Items"]


class Stream:
    """Feeds the table's stream to the app's stream handler, like Lambda."""

    def __init__(self, dynamodb, client):
        arn = dynamodb.describe_table(TableName="leadflow")["Table"]["LatestStreamArn"]
        self.reader = StreamReader(boto3.client("dynamodbstreams", region_name=REGION), arn, REGION)
        self.client = client

    def records(self):
        return self.reader.read()

    def deliver(self, records):
        response = self.client.lambda_.invoke("on_table_change", {"Records": records})
        return response.payload

    def pump(self):
        """Deliver everything new until nothing is left; returns the records."""
        delivered = []
        while True:
            records = self.records()
            if not records:
                return delivered
            result = self.deliver(records)
            assert result == {"batchItemFailures": []}, result
            delivered += records


@pytest.fixture
def stream(aws, client):
    return Stream(aws, client)


class Mailbox:
    def messages(self):
        return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)

    def parsed(self):
        return [email.message_from_string(m.raw_data, policy=email.policy.default) for m in self.messages()]

    def texts(self):
        return [m.get_body(("plain",)).get_content() for m in self.parsed()]

    def confirm_tokens(self):
        """The confirmation token of each mail, oldest first."""
        return [re.search(r"/confirm/([A-Za-z0-9_-]+)", text).group(1) for text in self.texts()]


@pytest.fixture
def mailbox(aws):
    return Mailbox()


def render_token(form_id="demo", age_seconds=60):
    """The token the form page hands out, as if issued age_seconds ago (a
    person filled the form in that time)."""
    from chalicelib.capture.render import render_token as issue
    from chalicelib.wiring import services as current

    built = current()
    return issue(built.signer, form_id, built.clock.now() - timedelta(seconds=age_seconds))


def submit(client, form_id="demo", headers=None, **fields):
    body = {"email": "ann@example.com", "consent": True, "_render_token": render_token(form_id), **fields}
    return client.http.post(
        f"/forms/{form_id}/submissions",
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(body),
    )
