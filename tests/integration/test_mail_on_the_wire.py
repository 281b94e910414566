"""Every kind of mail Leadflow sends, checked as the bytes handed to SES:
each mail template (found in mail/templates, so a template or locale another
change adds is covered too) is sent through the flow that really sends it,
then its raw MIME is read with regexes and the compat32 policy (which decodes
nothing) and scored by SpamAssassin's offline rules."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from types import SimpleNamespace

import pytest
from jinja2 import nodes

from chalicelib.mail.templates import environment
from chalicelib.playbook import parse_playbook, read_playbook
from chalicelib.playbook.nurture import TEMPLATE_DIR

from .conftest import submit
from .test_nurture_flow import FakeTimer, tick
from .test_routing_flow import RoutingQueue, put_rep, sql_lead

MAX_SCORE = 1.0
ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To", "Sender")
ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?")


def mail_templates() -> list[tuple[str, str]]:
    """(name, locale) of every template that is a mail: it sets its subject
    (layouts do not)."""
    found = []
    for path in sorted(TEMPLATE_DIR.glob("*.*.txt")):
        name, locale, _ = path.name.split(".")
        tree = environment().parse(path.read_text(encoding="utf-8"))
        if any(assign.target.name == "subject" for assign in tree.find_all(nodes.Assign)):
            found.append((name, locale))
    return found


TEMPLATES = mail_templates()


# --- how each kind of mail is really sent -----------------------------------------
def playbook(locale: str, nurture_template: str | None = None):
    """The shipped playbook with the demo form in `locale` and, for a nurture
    template, one sequence that sends it at once."""
    raw = read_playbook(env={})
    raw["forms"]["demo"]["locale"] = locale
    raw["routing"]["sla"]["manager_locale"] = locale
    if nurture_template:
        step = {"delay_days": 0, "template": nurture_template}
        raw["nurture"]["sequences"] = {"wire": {"enrol": {"stages": ["subscriber", "lead", "mql"]}, "steps": [step]}}
    return parse_playbook(raw)


def _signed_up(ctx):
    assert submit(ctx.client, email="ann@acme.example", first_name="Ann").status_code == 202
    ctx.stream.pump()


def send_opt_in(ctx, name, locale):
    ctx.services.playbook = playbook(locale)
    _signed_up(ctx)


def send_nurture(ctx, name, locale):
    ctx.services.playbook = playbook(locale, nurture_template=name)
    ctx.services.timer = FakeTimer()
    _signed_up(ctx)
    confirmed = ctx.client.http.post(f"/confirm/{ctx.mailbox.confirm_tokens()[-1]}")
    assert confirmed.status_code == 303
    ctx.stream.pump()
    assert tick(ctx.client) == {"sent": 1}


def _routed(ctx, locale):
    ctx.services.playbook = playbook(locale)
    rep = {"locale": locale} if locale != "en" else {}  # reps speak English unless told otherwise
    put_rep(ctx.client, "ann", **rep)
    put_rep(ctx.client, "bob", **rep)
    sql_lead(ctx.client, ctx.stream, ctx.mailbox, "eve@acme.example", first_name="Eve", company="Acme")
    RoutingQueue(ctx.client).pump()


def send_rep_assignment(ctx, name, locale):
    _routed(ctx, locale)


def send_sla_missed(ctx, name, locale):
    _routed(ctx, locale)
    ctx.clock.advance(ctx.services.playbook.routing.sla.minutes * 60 + 60)
    scheduled = ctx.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    assert ctx.client.lambda_.invoke("watch_sla", scheduled).payload["reassigned"] == 1
    ctx.stream.pump()
    RoutingQueue(ctx.client).pump()


def send_unassigned(ctx, name, locale):
    ctx.services.playbook = playbook(locale)  # no reps: the manager hears of the SQL nobody can take
    sql_lead(ctx.client, ctx.stream, ctx.mailbox, "eve@acme.example", first_name="Eve", company="Acme")
    RoutingQueue(ctx.client).pump()


def send_sending_guard(ctx, name, locale):
    from .test_suppression import deliver, record

    pb = playbook(locale)
    ctx.services.playbook = pb.model_copy(update={"reputation": pb.reputation.model_copy(update={"min_volume": 1})})
    _signed_up(ctx)
    # the opt-in mail bounced: 1 of 1 sends, and the guard pauses nurture
    assert deliver(ctx.client, record("bounce-permanent", "m1", recipient="ann@acme.example")) == {
        "batchItemFailures": []
    }
    ctx.stream.pump()  # the pause's event item reaches the manager


SENDERS = {
    "sending_guard": send_sending_guard,
    "optin": send_opt_in,
    "rep_assignment": send_rep_assignment,
    "sla_missed": send_sla_missed,
    "unassigned": send_unassigned,
}


def sender_for(name: str):
    if name.startswith("nurture_"):
        return send_nurture
    if name not in SENDERS:
        pytest.fail(f"mail template {name!r}: this test does not know how it is sent; add it to SENDERS")
    return SENDERS[name]


@pytest.fixture
def wire(services, monkeypatch):
    """Each SendRawEmail's bytes, with the mail templates rendered for it."""
    sent, rendered = [], []
    env = environment()
    get_template = env.get_template

    def spy(name, *args, **kwargs):
        rendered.append(name)
        return get_template(name, *args, **kwargs)

    def on_send(params, **_):
        sent.append((params["RawMessage"]["Data"], set(rendered)))
        rendered.clear()

    monkeypatch.setattr(env, "get_template", spy)
    services.ses.meta.events.register("provide-client-params.ses.SendRawEmail", on_send)
    return sent


# --- what the bytes must look like ------------------------------------------------
def top_headers(raw: bytes) -> dict[str, str]:
    """The message's own headers as written, unfolded."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are ASCII on the wire
    lines = re.sub(r"\r\n[ \t]+", " ", head).split("\r\n")
    return {name: value.strip() for name, _, value in (line.partition(":") for line in lines)}


def check_raw(raw: bytes, marketing: bool) -> dict[str, str]:
    """The strict checks; returns the decoded text and HTML."""
    assert raw.isascii()  # non-ASCII text is encoded (SES asks for 7-bit raw mail)
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322's hard limit
    headers = top_headers(raw)
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", headers["Message-ID"]), headers["Message-ID"]
    assert parsedate_to_datetime(headers["Date"]).tzinfo is not None
    assert "From" in headers and "To" in headers
    for name in ADDRESS_HEADERS:
        for _, address in getaddresses([headers[name]]) if name in headers else ():
            assert re.fullmatch(r"[!-~]+@[!-~]+", address) and not ENCODED_WORD.search(address), (name, address)
    for name, value in headers.items():
        if name.lower().startswith("list-"):
            assert not ENCODED_WORD.search(value), (name, value)
    if marketing:
        assert re.fullmatch(r"<https://[!-;=?-~]+>", headers["List-Unsubscribe"]), headers["List-Unsubscribe"]
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r"<[a-z0-9_-]+(\.[a-z0-9-]+)+>", headers["List-Id"]), headers["List-Id"]

    message = email.message_from_bytes(raw, policy=compat32)
    assert message.get_content_type() == "multipart/alternative"
    parts = message.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    bodies = {p.get_content_subtype(): p.get_payload(decode=True).decode(p.get_content_charset()) for p in parts}
    assert all(body.strip() for body in bodies.values())
    return bodies


def check_footer(bodies: dict[str, str], raw: bytes, sender) -> None:
    """A marketing mail's footer: the imprint and the visible unsubscribe link,
    in the text and the HTML."""
    unsubscribe = re.search(r"<(https://[^>]+)>", top_headers(raw)["List-Unsubscribe"]).group(1)
    privacy = str(sender.privacy_url)
    text, html = bodies["plain"], bodies["html"]
    for part in (sender.company, sender.postal_address, privacy, unsubscribe):
        assert part in text, part
    assert sender.company in html and sender.postal_address in html
    assert f'href="{privacy}"' in html and f'href="{unsubscribe}"' in html


def spam_score(raw: bytes) -> tuple[float, str]:
    if shutil.which("spamassassin") is None:
        pytest.fail("spamassassin is not installed (apt-get install spamassassin; .ci/run does)")
    checked = subprocess.run(
        ["spamassassin", "--local", "--test-mode", "--nocreate-prefs"], input=raw, capture_output=True, timeout=300
    )
    assert checked.returncode == 0, checked.stderr.decode()
    status = re.search(
        rb"^X-Spam-Status: \w+, score=(-?[\d.]+) .*?tests=(.*?)\s+autolearn=", checked.stdout, re.M | re.S
    )
    return float(status.group(1)), re.sub(rb"\s+", b"", status.group(2)).decode()


@pytest.mark.parametrize("name, locale", TEMPLATES, ids=[f"{n}.{loc}" for n, loc in TEMPLATES])
def test_every_mail_is_right_as_bytes_and_scores_low_with_spamassassin(
    name, locale, client, stream, mailbox, clock, services, wire
):
    send = sender_for(name)
    send(SimpleNamespace(client=client, stream=stream, mailbox=mailbox, clock=clock, services=services), name, locale)
    mine = [raw for raw, rendered in wire if f"{name}.{locale}.txt" in rendered]
    assert len(mine) == 1, f"{name}.{locale} was not sent once: {[sorted(r) for _, r in wire]}"
    [raw] = mine

    marketing = send is send_nurture
    bodies = check_raw(raw, marketing)
    if marketing:
        check_footer(bodies, raw, services.playbook.sender)
    score, rules = spam_score(raw)
    print(f"\n{name}.{locale}: SpamAssassin {score} ({rules})")
    if marketing:
        print(re.search(rb"^List-Unsubscribe:.*?\r\n(?![ \t])", raw, re.M | re.S).group(0))
    assert score <= MAX_SCORE, f"{name}.{locale} scores {score}: {rules}"
