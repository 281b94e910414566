"""Helpers of the import tests: start an import over HTTP, PUT the file to its
presigned URL (moto answers it), and let the import queue's messages (S3's
event, then the worker's hand-overs) reach the worker as Lambda would."""

from __future__ import annotations

import json

import boto3
import pytest
import requests

from infra.local.pump import sqs_record
from infra.resources import create_resources, load_resources

from .conftest import ADMIN, REGION

QUEUE = "leadflow-imports"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:123456789012:{QUEUE}"


@pytest.fixture
def bucket(aws):
    resources = load_resources()
    wanted = {k: resources[k] for k in ("ImportQueue", "ImportDlq", "ImportBucket")}
    create_resources(lambda service: boto3.client(service, region_name=REGION), wanted, region=REGION)
    return boto3.client("s3", region_name=REGION)


class Imports:
    def __init__(self, client):
        self.client = client
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.url = self.sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        self.worker_answers = []

    def start(self, expect=201, **body):
        body = {"form_id": "demo", "consent_mode": "no_mail", **body}
        response = self.client.http.post(
            "/imports", headers={**ADMIN, "Content-Type": "application/json"}, body=json.dumps(body)
        )
        assert response.status_code == expect, response.body
        return response.json_body

    def upload(self, started, data: bytes):
        answer = requests.put(started["upload_url"], data=data, headers={"Content-Type": "text/csv"}, timeout=10)
        assert answer.status_code == 200, answer.text

    def messages(self):
        found = []
        while True:
            page = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"])
            if not page.get("Messages"):
                return found
            found += page["Messages"]

    def deliver(self, messages):
        for message in messages:
            event = {"Records": [sqs_record(message, QUEUE_ARN, REGION)]}
            try:
                answer = self.client.lambda_.invoke("import_worker", event).payload
            except Exception as error:  # a batch whose every record failed raises: Lambda retries it
                answer = error
            self.worker_answers.append(answer)
            if answer == {"batchItemFailures": []}:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def work(self, rounds=50):
        """Deliver the queue's messages until none is left."""
        for _ in range(rounds):
            messages = self.messages()
            if not messages:
                return
            self.deliver(messages)
        raise AssertionError("the import queue never ran dry")

    def run(self, data: bytes, **body):
        started = self.start(**body)
        self.upload(started, data)
        self.work()
        return self.status(started["import_id"])

    def status(self, import_id):
        response = self.client.http.get(f"/imports/{import_id}", headers=ADMIN)
        assert response.status_code == 200, response.body
        return response.json_body

    def errors(self, import_id, query=""):
        response = self.client.http.get(f"/imports/{import_id}/errors{query}", headers=ADMIN)
        assert response.status_code == 200, response.body
        return response.json_body


@pytest.fixture
def imports(client, bucket):
    return Imports(client)


def counts(status, **expected):
    """The import's counts, with every count not named expected to be zero."""
    base = {"rows_read": 0, "created": 0, "updated": 0, "unchanged": 0, "skipped": {}, "invalid": 0}
    return status["counts"] == {**base, **expected}
