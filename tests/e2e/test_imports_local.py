"""An import on the local stack over HTTP: POST /imports, the CSV PUT to the
presigned URL (moto's S3), S3's event through the import queue to the
worker (the pump), the opt-in mails in the mailbox."""

import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def _finished(api, import_id):
    for _ in range(300):
        api.drain()
        status = requests.get(f"{api.url}/imports/{import_id}", headers=api.admin, timeout=10).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"import {import_id} did not finish: {status}")


def test_an_uploaded_csv_is_imported_and_new_addresses_get_one_opt_in_mail(api):
    started = requests.post(
        f"{api.url}/imports", headers=api.admin, json={"form_id": "demo", "consent_mode": "double_opt_in"}, timeout=10
    )
    assert started.status_code == 201, started.text
    body = started.json()
    assert set(body) == {"import_id", "upload_url", "expires_at"}
    data = "E-Mail;Vorname\nann@import.example;Änne\nbob@import.example;Bob\nkaputt;X\n".encode("cp1252")
    assert requests.put(body["upload_url"], data=data, timeout=10).status_code == 200

    status = _finished(api, body["import_id"])
    assert status["status"] == "done", status
    assert status["counts"] == {
        "rows_read": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": {},
        "invalid": 1,
    }
    api.drain()
    for address in ("ann@import.example", "bob@import.example"):
        [mail] = api.mail_to(address)
        assert "/confirm/" in mail["text"]
    assert api.lead("ann@import.example")["profile"] == {"first_name": "Änne"}
    errors = requests.get(f"{api.url}/imports/{body['import_id']}/errors", headers=api.admin, timeout=10).json()
    assert [(e["line"], e["column"]) for e in errors["errors"]] == [(4, "E-Mail")]
    listed = requests.get(f"{api.url}/imports", headers=api.admin, timeout=10).json()["imports"]
    assert body["import_id"] in [i["import_id"] for i in listed]
