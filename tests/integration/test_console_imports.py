"""The console's Imports page on moto: the newest imports with status and
counts, one import with its refused rows paged in the reader's language,
read only and for admins only."""

from __future__ import annotations

import re
from html import unescape

from chalicelib.secrets import Secrets, hash_admin_token
from tests.conftest import TEST_ENV

from .console_client import Console, csrf_of, text
from .imports_support import bucket, imports  # noqa: F401 (fixtures)
from .test_console import console  # noqa: F401 (a fixture)

HOSTILE_COLUMN = "<img src=x onerror=alert(1)>"


def test_the_list_shows_the_newest_imports_with_status_and_counts(console, imports, clock):
    first = imports.run(b"email,first_name\nann@example.com,Ann\nbob@example.com,Bob\n")
    clock.advance(60)
    second = imports.run(b"email\ncarl@example.com\nbroken\n", dry_run=True)
    html = text(console.get("/console/imports"))
    rows = re.findall(r'<tr data-import="([^"]+)">(.*?)</tr>', html, re.S)
    assert [import_id for import_id, _ in rows] == [second["import_id"], first["import_id"]]
    cells = [re.findall(r"<td>(.*?)</td>", row) for _, row in rows]
    # status, form, rows read, created, updated, unchanged, skipped, refused
    assert cells[0] == ["done (dry run)", "demo", "2", "1", "0", "0", "0", "1"]
    assert cells[1] == ["done", "demo", "2", "2", "0", "0", "0", "0"]
    assert f'href="/console/imports/{first["import_id"]}"' in html


def test_one_import_pages_its_refused_rows_in_the_readers_language_and_escapes_the_file(console, imports):
    rows = b"".join(b"nobody-%d@,x\n" % n for n in range(30))
    status = imports.run(b"email," + HOSTILE_COLUMN.encode() + b"\n" + rows + b"ann@example.com,y\n")
    path = f"/console/imports/{status['import_id']}"
    page = text(console.get(path + "?lang=de"))
    assert HOSTILE_COLUMN not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    refused = re.findall(r'<tr><th scope="row">(\d+)</th><td>email</td><td>([^<]*)</td></tr>', page)
    assert [int(line) for line, _ in refused] == list(range(2, 27))  # 25 a page
    assert {message for _, message in refused} == {"ist keine gültige E-Mail-Adresse"}
    assert "nobody-" not in page
    more = unescape(re.search(r'<a href="([^"]+)" rel="next"', page).group(1))
    assert more.startswith(path + "?cursor=")
    rest = text(console.get(more))
    assert [int(n) for n in re.findall(r'<tr><th scope="row">(\d+)</th>', rest)] == list(range(27, 32))
    assert 'rel="next"' not in rest


def test_an_unknown_import_or_a_forged_cursor_is_a_4xx_page(console, imports):
    assert console.get("/console/imports/nope").status_code == 404
    assert console.get("/console/imports?cursor=forged").status_code == 400


def test_the_page_is_read_only_and_for_admins_only(client, console, imports, services):
    imports.run(b"email\nann@example.com\n")
    page = console.get("/console/imports")
    assert "<form" not in re.search(r"<main.*</main>", text(page), re.S).group(0)
    assert console.post("/console/imports", {}, csrf=csrf_of(page)).status_code == 404
    services.secrets = Secrets.from_env(
        {**TEST_ENV, "LEADFLOW_ADMIN_TOKENS": f"analyst:reporting:{hash_admin_token('reports-only')}"}
    )
    analyst = Console(client)
    assert analyst.sign_in("reports-only").status_code == 303
    assert analyst.get("/console/imports").status_code == 403
