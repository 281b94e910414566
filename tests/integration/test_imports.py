"""Bulk import on moto: the file PUT to its presigned URL, S3's event through
the import queue to the worker, the three consent modes, addresses that
opted out, the same file twice, files as people have them, errors by line."""

import email
import email.policy
import json
import logging
from urllib.parse import parse_qs, urlsplit

from .conftest import ADMIN, stored_items, submit
from .imports_support import bucket, counts, imports  # noqa: F401

PEOPLE = b"email,first_name,company\nann@example.com,Ann,Acme\nbob@example.com,Bob,Bobco\n"


def recipients(messages):
    """The To header of each mail, read from the raw MIME bytes SES got."""
    return [email.message_from_string(m.raw_data, policy=email.policy.compat32)["To"] for m in messages]


def lead(client, email):
    leads = client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"]
    return leads[0] if leads else None


def confirmed(client, stream, mailbox, email):
    submit(client, email=email)
    stream.pump()
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}")
    stream.pump()
    return lead(client, email)


# --- the consent modes -------------------------------------------------------------
def test_no_mail_stores_profiles_that_are_never_mailed(imports, client, stream, mailbox, bucket):
    status = imports.run(PEOPLE)
    assert status["status"] == "done", status
    assert counts(status, rows_read=2, created=2)
    stream.pump()
    assert mailbox.messages() == []
    ann = lead(client, "ann@example.com")
    assert ann["status"] == "imported" and ann["profile"] == {"first_name": "Ann", "company": "Acme"}
    assert ann["consents"] == []
    # the file is gone from S3 once the import ended
    assert bucket.list_objects_v2(Bucket="leadflow-imports").get("KeyCount") == 0


def test_no_mail_leads_get_the_normal_double_opt_in_when_they_sign_up(imports, client, stream, mailbox):
    imports.run(PEOPLE)
    assert submit(client, email="ann@example.com").status_code == 202
    stream.pump()
    assert recipients(mailbox.messages()) == ["ann@example.com"]


def test_double_opt_in_sends_each_new_address_one_opt_in_mail(imports, client, stream, mailbox):
    status = imports.run(PEOPLE, consent_mode="double_opt_in")
    assert counts(status, rows_read=2, created=2)
    stream.pump()
    stream.pump()
    assert sorted(recipients(mailbox.messages())) == [
        "ann@example.com",
        "bob@example.com",
    ]
    ann = lead(client, "ann@example.com")
    assert ann["status"] == "pending"
    [consent] = ann["consents"]
    assert consent.get("confirmed_at") is None and consent["imported"]["line"] == 2
    # confirming works as after a form signup
    client.http.post(f"/confirm/{mailbox.confirm_tokens()[0]}")
    assert {lead(client, e)["status"] for e in ("ann@example.com", "bob@example.com")} == {"confirmed", "pending"}


EVIDENCE = (
    b"email,consent_given_at,consent_source,consent_ip,consent_text_version\n"
    b"ann@example.com,2024-05-01T10:00:00Z,Mautic form 3,192.0.2.7,v3\n"
    b"bob@example.com,,,,\n"
    b"cid@example.com,yesterday,Brevo,,\n"
    b"dan@example.com,2024-06-01,Brevo,not-an-ip,\n"
)


def test_evidence_rows_become_confirmed_leads_with_an_imported_consent_record(imports, client, stream, mailbox):
    status = imports.run(EVIDENCE, consent_mode="evidence")
    assert counts(status, rows_read=4, created=1, invalid=2, skipped={"no_consent_evidence": 1}), status
    ann = lead(client, "ann@example.com")
    assert ann["status"] == "confirmed" and ann["stage"] == "lead"
    [consent] = ann["consents"]
    assert consent["given_at"] == "2024-05-01T10:00:00.000Z" and consent["source"] == "Mautic form 3"
    assert consent["ip"] == "192.0.2.7" and consent["consent_version"] == "v3"
    assert consent["imported"] == {
        "import_id": status["import_id"],
        "file": f"imports/{status['import_id']}.csv",
        "line": 2,
    }
    assert lead(client, "bob@example.com") is None
    errors = imports.errors(status["import_id"])["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(4, "consent_given_at"), (5, "consent_ip")]
    stream.pump()
    assert mailbox.messages() == []  # no opt-in mail: the evidence is the consent


# --- never resubscribe ---------------------------------------------------------------
def test_unsubscribed_suppressed_and_erased_addresses_stay_that_way(imports, client, stream, mailbox, services):
    gone = confirmed(client, stream, mailbox, "gone@example.com")
    services.unsubscribe.unsubscribe(
        services.unsubscribe.link(gone["lead_id"]).url.rsplit("/", 1)[1], "page", None, None
    )
    confirmed(client, stream, mailbox, "bounced@example.com")
    services.suppression.suppress("bounced@example.com", "hard_bounce", "2026-11-23T09:00:00+00:00", "m1")
    erased = confirmed(client, stream, mailbox, "erased@example.com")
    assert client.http.delete(f"/leads/{erased['lead_id']}", headers=ADMIN).status_code == 200
    stream.pump()
    sent = len(mailbox.messages())

    data = b"email\nGone@example.com\nbounced@example.com\nerased@example.com\nnew@example.com\n"
    skipped = {"opted_out": 2, "suppressed": 1}
    first = imports.run(data, consent_mode="double_opt_in", update_existing=True)
    assert counts(first, rows_read=4, skipped=skipped, created=1), first
    for mode in ("evidence", "no_mail"):
        again = imports.run(data, consent_mode=mode, update_existing=True)
        assert counts(again, rows_read=4, skipped=skipped, unchanged=1), (mode, again)
    stream.pump()
    assert lead(client, "gone@example.com")["status"] == "unsubscribed"
    assert lead(client, "bounced@example.com")["suppressed"] is True
    assert lead(client, "erased@example.com") is None
    # one mail: new@example.com's opt-in; nothing to the three
    assert recipients(mailbox.messages()[sent:]) == ["new@example.com"]


# --- idempotence -----------------------------------------------------------------------
def test_the_same_file_twice_changes_nothing_and_sends_nothing(imports, client, stream, mailbox, aws):
    first = imports.run(PEOPLE, consent_mode="double_opt_in")
    stream.pump()
    mails, items = len(mailbox.messages()), sorted(json.dumps(i, sort_keys=True) for i in stored_items(aws))
    second = imports.run(PEOPLE, consent_mode="double_opt_in", update_existing=True)
    stream.pump()
    assert counts(first, rows_read=2, created=2) and counts(second, rows_read=2, unchanged=2)
    assert len(mailbox.messages()) == mails
    leads = [i for i in stored_items(aws) if i["pk"]["S"].startswith("LEAD#")]
    assert sorted(json.dumps(i, sort_keys=True) for i in leads) == [
        i for i in items if json.loads(i)["pk"]["S"].startswith("LEAD#")
    ]


def test_addresses_that_differ_in_case_are_one_lead(imports, client):
    status = imports.run(b"email,first_name\nAnn@Example.COM,Ann\nann@example.com,Annie\n")
    assert counts(status, rows_read=2, created=1, skipped={"duplicate": 1})
    assert lead(client, "ANN@example.com")["profile"] == {"first_name": "Ann"}


def test_profiles_are_kept_unless_update_existing_is_asked_for(imports, client, stream, mailbox):
    ann = confirmed(client, stream, mailbox, "ann@example.com")
    kept = imports.run(b"email,first_name,company\nann@example.com,Ann,NewCo\n")
    assert counts(kept, rows_read=1, unchanged=1)
    assert lead(client, "ann@example.com")["profile"] == ann["profile"] == {}
    updated = imports.run(b"email,first_name,company\nann@example.com,Ann,NewCo\n", update_existing=True)
    assert counts(updated, rows_read=1, updated=1)
    after = lead(client, "ann@example.com")
    assert after["profile"] == {"first_name": "Ann", "company": "NewCo"} and after["status"] == "confirmed"


# --- files as people have them ---------------------------------------------------------------
def test_german_excel_semicolons_in_windows_1252(imports, client):
    data = "E-Mail;Vorname;Firma\njörg@example.com;Jörg;Müller GmbH\nanna@example.de;Änne;Bäckerei\n".encode("cp1252")
    status = imports.run(data)
    # an umlaut before the @ is not deliverable: refused like in the form, the import goes on
    assert counts(status, rows_read=2, created=1, invalid=1), status
    assert status["columns"] == {"E-Mail": "email", "Vorname": "first_name", "Firma": "company"}
    assert lead(client, "anna@example.de")["profile"] == {"first_name": "Änne", "company": "Bäckerei"}
    [error] = imports.errors(status["import_id"])["errors"]
    assert (error["line"], error["column"]) == (2, "E-Mail")


def test_utf8_with_bom_and_tabs_and_english_aliases(imports, client):
    data = "\ufeffEmail Address\tFirst Name\tCompany\tFavourite colour\nann@example.com\tÅsa\tAcme\tblue\n"
    status = imports.run(data.encode("utf-8"))
    assert counts(status, rows_read=1, created=1), status
    assert status["unknown_columns"] == ["Favourite colour"]
    assert lead(client, "ann@example.com")["profile"] == {"first_name": "Åsa", "company": "Acme"}


def test_a_quoted_field_may_hold_line_breaks_and_later_lines_keep_their_numbers(imports, client):
    data = (
        b"email,company,notes\r\n"
        b'ann@example.com,Acme,"called twice\r\nsays ""call back"""\r\n'
        b'bob@example.com,"Bobco\nNorth",\r\n'
        b"not-an-address,Foo,\r\n"
    )
    status = imports.run(data)
    assert counts(status, rows_read=3, created=1, invalid=2), status
    assert status["unknown_columns"] == ["notes"]
    assert lead(client, "ann@example.com")["profile"] == {"company": "Acme"}
    # a line break in a single-line form field is refused as the form refuses it
    errors = imports.errors(status["import_id"])["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(4, "company"), (6, "email")]


def test_an_explicit_column_map_comes_before_the_aliases(imports, client):
    data = b"Kontakt,Name\nann@example.com,Ann\n"
    status = imports.run(data, column_map={"Kontakt": "email", "Name": "first_name"})
    assert counts(status, rows_read=1, created=1)
    assert lead(client, "ann@example.com")["profile"] == {"first_name": "Ann"}


# --- errors ---------------------------------------------------------------------------------
def test_invalid_rows_are_listed_by_line_page_by_page_without_addresses(imports, caplog):
    rows = b"".join(b"nobody-%d@,Ann\n" % n for n in range(25))
    with caplog.at_level(logging.INFO):
        status = imports.run(b"email,first_name\n" + rows + b"ann@example.com,Ann\n")
    assert counts(status, rows_read=26, created=1, invalid=25)
    seen, query = [], "?limit=10"
    while True:
        page = imports.errors(status["import_id"], query)
        seen += page["errors"]
        if not page["next_cursor"]:
            break
        query = f"?limit=10&cursor={page['next_cursor']}"
    assert [e["line"] for e in seen] == list(range(2, 27))
    assert {(e["column"], e["message"]) for e in seen} == {("email", "is not a valid e-mail address")}
    assert "nobody-" not in json.dumps(seen) and "nobody-" not in caplog.text and "ann@" not in caplog.text


def test_dry_run_counts_everything_and_writes_no_lead(imports, client, stream, mailbox, aws):
    status = imports.run(PEOPLE + b"broken\n", consent_mode="double_opt_in", dry_run=True)
    assert counts(status, rows_read=3, created=2, invalid=1), status
    assert [i for i in stored_items(aws) if i["pk"]["S"].startswith("LEAD#")] == []
    stream.pump()
    assert mailbox.messages() == []
    assert [e["line"] for e in imports.errors(status["import_id"])["errors"]] == [4]


# --- bad input -----------------------------------------------------------------------------------
def test_files_that_cannot_be_imported_fail_with_a_reason(imports, bucket):
    cases = {
        b"": "empty",
        b"\r\n\r\n": "empty",
        b"PK\x03\x04\x00\x00binary spreadsheet": "not_csv",
        b"first_name,company\nAnn,Acme\n": "no_email_column",
    }
    for data, reason in cases.items():
        status = imports.run(data)
        assert (status["status"], status["reason"]) == ("failed", reason), (data, status)
        assert counts(status)
    assert bucket.list_objects_v2(Bucket="leadflow-imports").get("KeyCount") == 0


def test_a_file_over_100_mb_fails_before_a_row_is_read(imports, services, monkeypatch):
    from chalicelib.imports import service

    monkeypatch.setattr(service, "MAX_BYTES", 30)
    status = imports.run(PEOPLE)
    assert (status["status"], status["reason"]) == ("failed", "too_large")
    assert counts(status)


def test_a_declared_size_over_100_mb_is_refused_and_a_declared_size_is_signed(imports):
    assert imports.start(expect=400, size_bytes=100 * 1024 * 1024 + 1)["errors"].keys() == {"size_bytes"}
    signed = imports.start(size_bytes=len(PEOPLE))["upload_url"]
    assert "content-length" in parse_qs(urlsplit(signed).query)["X-Amz-SignedHeaders"][0].split(";")
    unsigned = imports.start()["upload_url"]
    assert "content-length" not in parse_qs(urlsplit(unsigned).query)["X-Amz-SignedHeaders"][0]


def test_bad_requests_are_refused_and_store_nothing(imports, client):
    assert imports.start(expect=400, consent_mode="opt_in_please")["errors"].keys() == {"consent_mode"}
    assert imports.start(expect=404, form_id="nope")["errors"].keys() == {"form_id"}
    assert "column_map.Foo" in imports.start(expect=400, column_map={"Foo": "salary"})["errors"]
    assert imports.start(expect=400, dry_run="yes")["errors"].keys() == {"dry_run"}
    assert imports.start(expect=400, surprise=1)["errors"].keys() == {"surprise"}
    assert client.http.get("/imports", headers=ADMIN).json_body == {"imports": [], "next_cursor": None}
    assert client.http.get("/imports/nope", headers=ADMIN).status_code == 404
    assert client.http.get("/imports/nope/errors", headers=ADMIN).status_code == 404


def test_the_latest_imports_come_newest_first(imports, client, clock):
    first = imports.start()["import_id"]
    clock.advance(5)
    second = imports.start()["import_id"]
    page = client.http.get("/imports?limit=1", headers=ADMIN).json_body
    rest = client.http.get(f"/imports?limit=1&cursor={page['next_cursor']}", headers=ADMIN).json_body
    assert [i["import_id"] for i in page["imports"] + rest["imports"]] == [second, first]
    assert {i["status"] for i in page["imports"]} == {"waiting_for_upload"}


def test_an_import_whose_form_left_the_playbook_fails_instead_of_retrying(imports, services, monkeypatch):
    started = imports.start()
    monkeypatch.delitem(services.playbook.forms, "demo")
    imports.upload(started, PEOPLE)
    imports.work()
    status = imports.status(started["import_id"])
    assert (status["status"], status["reason"]) == ("failed", "unknown_form") and counts(status)
