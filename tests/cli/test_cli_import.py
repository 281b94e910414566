"""`leadflow import` against a fake API and presigned upload over real HTTP:
what it sends, what it shows, and its exit codes (0 done, 1 done with
invalid rows, 2 failed)."""

from __future__ import annotations

import pytest

from leadflow_cli import imports
from leadflow_cli.imports import count_rows
from tests.cli.fake_api import FakeApi, run

CSV = "email,first_name\nann@example.com,Ann\nbob@example.com,Bob\n"


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(imports, "POLL_SECONDS", 0.01)


def started(fake: FakeApi, progress: list[dict], errors: list[dict] | None = None) -> None:
    """POST /imports answers; each GET /imports/imp-1 gives the next status."""
    fake.on(
        "POST",
        "/imports",
        (
            201,
            {
                "import_id": "imp-1",
                "upload_url": f"{fake.url}/upload/imp-1?X-Amz-Signature=abc",
                "expires_at": "2026-12-01T14:00:00Z",
            },
        ),
    )
    fake.on("PUT", "/upload/imp-1", (200, {}))
    answers = iter(progress)
    last = progress[-1]
    fake.on("GET", "/imports/imp-1", lambda seen: (200, next(answers, last)))
    fake.on("GET", "/imports/imp-1/errors", (200, {"errors": errors or [], "next_cursor": None}))


def done(dry_run: bool = False, **counts) -> dict:
    """GET /imports/{id} of a finished import, as the API describes it."""
    zero = {"rows_read": 2, "created": 2, "updated": 0, "unchanged": 0, "skipped": {}, "invalid": 0}
    return {"import_id": "imp-1", "status": "done", "dry_run": dry_run, "unknown_columns": [], "counts": zero | counts}


def running(rows: int) -> dict:
    return {"import_id": "imp-1", "status": "running", "counts": {"rows_read": rows}}


def test_import_uploads_the_file_as_it_is_follows_it_and_exits_0_when_done(fake, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(CSV.encode())
    started(fake, [{"import_id": "imp-1", "status": "waiting_for_upload", "counts": {}}, running(1), done()])

    result = run(fake, "import", str(path), "--form", "demo", "--consent", "double_opt_in")

    assert result.exit_code == 0, result.output
    [start] = fake.requests_to("POST", "/imports")
    assert start.json() == {
        "form_id": "demo",
        "consent_mode": "double_opt_in",
        "dry_run": False,
        "size_bytes": len(CSV),
    }
    [upload] = fake.requests_to("PUT", "/upload/imp-1")
    assert upload.body == CSV.encode()
    assert upload.headers["content-length"] == str(len(CSV))  # S3 refuses chunked uploads
    assert "authorization" not in upload.headers  # the presigned URL is the permission
    assert upload.query == {"X-Amz-Signature": ["abc"]}
    assert len(fake.requests_to("GET", "/imports/imp-1")) == 3  # followed until done
    assert "created" in result.output and "Import imp-1 done" in result.output
    assert "2/2" in result.output  # the bar's rows of the file's 2 data rows


def test_dry_run_update_existing_and_column_map_reach_the_api(fake, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(CSV.encode())
    started(fake, [done(dry_run=True)])

    result = run(
        fake,
        "import",
        str(path),
        "--form",
        "demo",
        "--consent",
        "no_mail",
        "--dry-run",
        "--update-existing",
        "--column-map",
        "Mail Adresse=email",
        "--column-map",
        "Vorname = first_name",
    )

    assert result.exit_code == 0, result.output
    assert fake.requests_to("POST", "/imports")[0].json() == {
        "form_id": "demo",
        "consent_mode": "no_mail",
        "dry_run": True,
        "update_existing": True,
        "column_map": {"Mail Adresse": "email", "Vorname": "first_name"},
        "size_bytes": len(CSV),
    }
    assert "dry run" in result.output


def test_done_with_invalid_rows_exits_1_and_shows_the_first_errors_and_skips_by_reason(fake, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(CSV.encode())
    errors = [{"line": 3, "column": "email", "message": "is not a valid e-mail address"}]
    started(
        fake,
        [done(created=0, invalid=1, skipped={"opted_out": 1, "suppressed": 0}) | {"unknown_columns": ["Notiz"]}],
        errors,
    )

    result = run(fake, "import", str(path), "--form", "demo", "--consent", "double_opt_in")

    assert result.exit_code == 1, result.output
    assert "is not a valid e-mail address" in result.output
    assert "opted_out 1" in result.output and "suppressed 0" not in result.output
    assert "Columns that fill no field: Notiz" in result.output
    assert fake.requests_to("GET", "/imports/imp-1/errors")[0].query == {"limit": ["10"]}


def test_a_failed_import_exits_2_with_its_reason_in_one_sentence(fake, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    started(fake, [running(0), {"import_id": "imp-1", "status": "failed", "reason": "not_csv", "counts": {}}])

    result = run(fake, "import", str(path), "--form", "demo", "--consent", "double_opt_in")

    assert result.exit_code == 2
    assert "Import imp-1 failed: the file is not CSV." in result.output
    assert "Traceback" not in result.output


def test_a_refused_start_names_the_field_and_uploads_nothing(fake, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(CSV.encode())
    fake.on("POST", "/imports", (400, {"errors": {"form_id": "no such form"}}))

    result = run(fake, "import", str(path), "--form", "nope", "--consent", "double_opt_in")

    assert result.exit_code == 2
    assert "POST /imports was refused (400): form_id: no such form" in result.output
    assert [s.method for s in fake.seen] == ["POST"]


def test_a_file_over_100_mb_is_refused_before_anything_is_sent(fake, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as sparse:
        sparse.truncate(imports.MAX_BYTES + 1)
    started(fake, [done()])

    result = run(fake, "import", str(path), "--form", "demo", "--consent", "double_opt_in")

    assert result.exit_code == 2
    assert "at most 100 MB" in result.output
    assert fake.seen == []


def test_a_missing_file_and_a_bad_column_map_are_clear_usage_errors(fake, tmp_path):
    missing = run(fake, "import", str(tmp_path / "nope.csv"), "--form", "demo", "--consent", "double_opt_in")
    bad_map = run(fake, "import", __file__, "--form", "demo", "--consent", "no_mail", "--column-map", "email")
    bad_mode = run(fake, "import", __file__, "--form", "demo", "--consent", "yes_please")

    assert missing.exit_code == 2 and "Cannot read" in missing.output
    assert bad_map.exit_code == 2 and "is not HEADER=FIELD" in bad_map.output
    assert bad_mode.exit_code == 2 and "double_opt_in" in bad_mode.output
    assert fake.seen == []


def test_an_api_without_imports_is_named_as_such_not_as_a_bad_token(fake, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(CSV.encode())

    result = run(fake, "import", str(path), "--form", "demo", "--consent", "double_opt_in")

    assert result.exit_code == 2
    assert "has no route POST /imports" in result.output


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (b"email,first_name\na@x.de,Ann\nb@x.de,Bob\n", 2),
        (b"\xef\xbb\xbfE-Mail;Vorname\na@x.de;J\xc3\xbcrgen\n", 1),  # UTF-8 BOM, German Excel
        (b"email\tcompany\na@x.de\tM\xfcller GmbH\r\nb@x.de\tX\r\n", 2),  # tab, Windows-1252, CRLF
        (b'email,note\na@x.de,"two\nlines"\nb@x.de,ok\n', 2),  # a quoted line break is one row
        (b"email,name\na@x.de,A\n\n\n", 1),  # blank lines at the end are no rows
        (b"email\n", 0),
        (b"", 0),
    ],
)
def test_the_progress_total_counts_data_rows_as_people_write_csv(tmp_path, data, rows):
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    assert count_rows(path) == rows
