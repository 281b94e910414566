"""On the local stack over real HTTP: HEAD answers carry no body, so the next
answer on a kept-alive connection is read intact; refusals come in the form's
language, as HTML to a browser."""

import http.client
import re
import socket
import uuid
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def address(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def confirm_path(api) -> str:
    email = address("head")
    assert api.submit(email).ok
    api.drain()
    [mail] = api.mail_to(email)
    return urlsplit(re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", mail["text"]).group(0)).path


def connection(api) -> http.client.HTTPConnection:
    parts = urlsplit(api.url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def test_head_then_get_on_one_kept_alive_connection_reads_both_answers_intact(api):
    paths = [confirm_path(api), "/unsubscribe/k1.not-a-token", "/rep/not-a-token/accept", "/t/o/not-a-token"]
    conn = connection(api)
    conn.connect()
    kept_alive = conn.sock
    try:
        for path in paths:
            conn.request("HEAD", path, headers={"Accept": "image/gif,text/html"})
            head = conn.getresponse()
            assert head.read() == b""
            conn.request("GET", path, headers={"Accept": "image/gif,text/html"})
            got = conn.getresponse()
            body = got.read()
            assert (head.status, head.getheader("Content-Type")) == (got.status, got.getheader("Content-Type"))
            assert head.getheader("Content-Length") in (None, str(len(body)))
            assert body and conn.sock is kept_alive  # one connection all along
    finally:
        conn.close()


def test_a_head_answer_sends_headers_only_on_the_wire(api):
    """Two requests in one write: the second answer must follow the first's
    headers directly (a body there would be read as the next answer)."""
    parts = urlsplit(api.url)
    host = f"{parts.hostname}:{parts.port}"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        raw.sendall(
            f"HEAD /t/o/not-a-token HTTP/1.1\r\nHost: {host}\r\nAccept: image/gif\r\n\r\n"
            f"GET /health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and b"Content-Type: image/gif" in head
    assert rest.startswith(b"HTTP/1.1 200 "), rest[:80]


def test_an_undeliverable_address_is_refused_in_german_and_a_browser_gets_a_page(api):
    answer = requests.post(
        f"{api.url}/forms/demo/submissions", json={"email": "jürgen@example.de", "consent": True}, timeout=10
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["email"].startswith("darf vor dem @ keine Umlaute")
    page = requests.post(
        f"{api.url}/forms/demo/submissions",
        data={"email": "jürgen@example.de", "consent": "on"},
        headers={**BROWSER, "Referer": f"{api.stack.landing}/"},
        allow_redirects=False,
        timeout=10,
    )
    assert page.status_code == 400 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="de">' in page.text and "darf vor dem @ keine Umlaute" in page.text
    assert f'href="{api.stack.landing}/"' in page.text
