"""`leadflow import` as a person runs it, against the local stack: the file
goes to moto's S3 through the presigned URL, the pump hands the upload's
event to the import worker, and the command follows it to the end."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def leadflow(api, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    env.update(LEADFLOW_API=api.url, LEADFLOW_TOKEN="leadflow-local-admin", COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "leadflow_cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def found(api, address: str) -> list[dict]:
    answer = requests.get(f"{api.url}/leads", params={"email": address}, headers=api.admin, timeout=10)
    return answer.json()["leads"]


def test_an_excel_export_is_imported_with_its_invalid_row_reported_and_exit_code_1(api, tmp_path):
    tag = uuid.uuid4().hex[:8]
    ann, bob = f"ann-{tag}@import.example", f"bob-{tag}@import.example"
    path = tmp_path / "kontakte.csv"
    path.write_bytes(f"E-Mail;Vorname;Firma\n{ann};Änne;Müller GmbH\n{bob};Bob;\nkaputt;X;Y\n".encode("cp1252"))

    result = leadflow(api, "import", str(path), "--form", "demo", "--consent", "double_opt_in")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "3/3" in result.stdout  # the progress bar reached the file's rows
    created = next(line for line in result.stdout.splitlines() if "created" in line)
    assert created.split("│")[2].strip() == "2"
    error = next(line for line in result.stdout.splitlines() if "is not a valid e-mail address" in line)
    assert "4" in error and "E-Mail" in error
    api.drain()
    assert found(api, ann)[0]["profile"] == {"first_name": "Änne", "company": "Müller GmbH"}
    assert "/confirm/" in api.mail_to(bob)[0]["text"]


def test_a_dry_run_counts_the_file_and_writes_no_lead(api, tmp_path):
    address = f"dry-{uuid.uuid4().hex[:8]}@import.example"
    path = tmp_path / "preview.csv"
    path.write_text(f"email,first_name\n{address},Dora\n")

    result = leadflow(api, "import", str(path), "--form", "demo", "--consent", "no_mail", "--dry-run")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "dry run" in result.stdout
    api.drain()
    assert found(api, address) == [] and api.mail_to(address) == []


def test_a_file_without_an_email_column_fails_with_exit_code_2_in_one_sentence(api, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,company\nAnn,Acme\n")

    result = leadflow(api, "import", str(path), "--form", "demo", "--consent", "no_mail")

    assert result.returncode == 2
    assert "failed: no column holds the e-mail address" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_empty_file_fails_as_empty(api, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    result = leadflow(api, "import", str(path), "--form", "demo", "--consent", "no_mail")

    assert result.returncode == 2
    assert "failed: the file is empty." in result.stderr
