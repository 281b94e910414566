"""Conflicts in the signup transaction are read from what each cancellation
reason says about its item, wherever DynamoDB puts that item in the list."""

import botocore.client
import pytest

from chalicelib.storage.models import LEAD_SK, lead_pk

from .conftest import ADMIN, stored_items, submit


def lead(client, email="ann@example.com"):
    [found] = client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"]
    return client.http.get(f"/leads/{found['lead_id']}", headers=ADMIN).json_body


def _key(write):
    body = next(iter(write.values()))
    key = body.get("Key") or body["Item"]
    return key["pk"]["S"], key["sk"]["S"]


class Reorder:
    """Sends every TransactWriteItems with the write matching `which` moved
    to `index` (DynamoDB answers the reasons in the order sent), and runs
    `before` once, just before the first such call."""

    def __init__(self, monkeypatch, which, index, before=None):
        self.sent = []
        real = botocore.client.BaseClient._make_api_call

        def reordering(client, operation, params):
            if operation == "TransactWriteItems":
                items = params["TransactItems"]
                [moved] = [w for w in items if which(_key(w))]
                rest = [w for w in items if w is not moved]
                params = {**params, "TransactItems": rest[:index] + [moved] + rest[index:]}
                self.sent.append([_key(w) for w in params["TransactItems"]])
                if before and len(self.sent) == 1:
                    before()
            return real(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", reordering)


def is_lead(key):
    return key[1] == LEAD_SK


def is_ip_counter(key):
    return key[0].startswith("RATE#ip#")


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_a_version_conflict_at_any_index_is_retried_and_the_submission_stored(
    client, aws, stream, mailbox, monkeypatch, index
):
    assert submit(client, first_name="Ann").status_code == 202
    stream.pump()
    lead_id = lead(client)["lead_id"]

    def someone_else_writes_the_lead():
        aws.update_item(
            TableName="leadflow",
            Key={"pk": {"S": lead_pk(lead_id)}, "sk": {"S": LEAD_SK}},
            UpdateExpression="ADD version :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    reorder = Reorder(monkeypatch, is_lead, index, before=someone_else_writes_the_lead)
    again = submit(client, company="ACME")
    assert again.status_code == 202, again.body
    assert len(reorder.sent) == 2 and is_lead(reorder.sent[0][index])
    stored = lead(client)
    assert len(stored["consents"]) == 2 and len(stored["activities"]) == 2
    assert stored["profile"]["company"] == "ACME"
    stream.pump()
    assert len(mailbox.messages()) == 1


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_a_full_ip_counter_at_any_index_is_a_429(client, aws, services, monkeypatch, index):
    playbook = services.playbook
    per_ip = playbook.capture.per_ip.model_copy(update={"limit": 1})
    services.playbook = playbook.model_copy(update={"capture": playbook.capture.model_copy(update={"per_ip": per_ip})})
    assert submit(client, email="first@example.com").status_code == 202
    before = stored_items(aws)
    Reorder(monkeypatch, is_ip_counter, index)
    refused = submit(client, email="second@example.com")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert stored_items(aws) == before
