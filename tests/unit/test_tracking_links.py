"""Signed tracking links and the machine-hit rule."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.playbook.activities import Tracking
from chalicelib.tokens import InvalidToken, Signer
from chalicelib.tracking.links import click_url, open_url, read_click, read_open
from chalicelib.tracking.scanners import automated

SENT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIGNER = Signer({"k1": b"key-one", "k0": b"key-old"}, "k1")
PUBLIC = "https://api.leadflow.test"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/120.0"


def token_of(url):
    return url.rsplit("/", 1)[1]


def test_a_click_link_carries_lead_mail_send_time_and_target_and_nothing_readable():
    url = click_url(SIGNER, PUBLIC, "lead1", "mail-7", SENT, "https://www.leadflow.example/pricing?x=1")
    assert url.startswith(f"{PUBLIC}/t/c/") and "pricing" not in url
    hit = read_click(SIGNER, token_of(url), SENT + timedelta(days=400))
    assert (hit.lead_id, hit.mail_id, hit.sent_at, hit.target) == (
        "lead1",
        "mail-7",
        SENT,
        "https://www.leadflow.example/pricing?x=1",
    )


def test_open_and_click_tokens_are_not_interchangeable():
    opened = token_of(open_url(SIGNER, PUBLIC, "lead1", "mail-7", SENT))
    clicked = token_of(click_url(SIGNER, PUBLIC, "lead1", "mail-7", SENT, "https://a.example/"))
    assert read_open(SIGNER, opened, SENT).target is None
    with pytest.raises(InvalidToken):
        read_click(SIGNER, opened, SENT)
    with pytest.raises(InvalidToken):
        read_open(SIGNER, clicked, SENT)


def test_links_signed_with_an_older_key_still_verify_and_tampering_fails():
    old = Signer({"k0": b"key-old"}, "k0")
    token = token_of(click_url(old, PUBLIC, "lead1", "m", SENT, "https://a.example/"))
    assert read_click(SIGNER, token, SENT).target == "https://a.example/"
    kid, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        read_click(SIGNER, f"{kid}.{payload[:-2]}xx.{signature}", SENT)


@pytest.mark.parametrize("target", ["javascript:alert(1)", "/relative", "mailto:a@b.c", "https://"])
def test_only_web_urls_can_be_tracked(target):
    with pytest.raises(ValueError):
        click_url(SIGNER, PUBLIC, "lead1", "m", SENT, target)


@pytest.mark.parametrize(
    "user_agent, seconds, reason",
    [
        (BROWSER, 3600, None),
        (BROWSER, 2, "too soon after sending"),
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", 3600, "scanner user agent"),
        ("python-requests/2.31", 3600, "scanner user agent"),
        ("", 3600, "no user agent"),
        (None, 3600, "no user agent"),
    ],
)
def test_machine_hits_are_told_apart_from_people(user_agent, seconds, reason):
    assert automated(Tracking(), user_agent, SENT, SENT + timedelta(seconds=seconds)) == reason
