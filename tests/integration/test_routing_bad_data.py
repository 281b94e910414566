"""Bad data already stored in a lead never stops its routing: every lead
field that reaches the rep mail or webhook can hold a line break, a control
or a bidi override; the assignment is offered, the mail goes out with clean
headers (checked on the raw bytes with compat32) and the webhook is tried
with Slack-escaped text."""

import email
import email.policy
import json
import re

import pytest

from chalicelib.storage.models import LEAD_SK, lead_pk

from .conftest import ADMIN
from .test_routing_flow import Hook, assignments, hook, no_backoff, put_rep, queue, sql_lead  # noqa: F401
from .test_routing_unassigned import MANAGER

BAD = {
    "NEL": "\x85",
    "CRLF": "\r\n",
    "LF": "\n",
    "ESC (C0)": "\x1b",
    "CSI (C1)": "\x9b",
    "NUL": "\x00",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
    "RLO (bidi override)": "\u202e",
    "RLI (bidi isolate)": "\u2067",
}
INVISIBLE = ("\u202e", "\u2067")  # direction controls go; the rest become a space


def shown(char):
    gap = "" if char in INVISIBLE else " "
    return f"company{gap}Bcc: victim@evil.example{gap}x"


PROFILE_FIELDS = ("first_name", "last_name", "company", "job_title", "phone", "country", "company_size", "industry")


def spoil(aws, lead_id, char):
    """Puts `char` into every field the rep sees, straight into the table
    (as data stored before the edge refused such input)."""
    names = {f"#f{n}": name for n, name in enumerate(PROFILE_FIELDS)}
    values = {f":f{n}": {"S": f"{name}{char}Bcc: victim@evil.example{char}x"} for n, name in enumerate(PROFILE_FIELDS)}
    sets = ", ".join(f"profile.#f{n} = :f{n}" for n in range(len(PROFILE_FIELDS)))
    aws.update_item(
        TableName="leadflow",
        Key={"pk": {"S": lead_pk(lead_id)}, "sk": {"S": LEAD_SK}},
        UpdateExpression=f"SET {sets}, #e = :e",
        ExpressionAttributeNames={**names, "#e": "email"},
        ExpressionAttributeValues={**values, ":e": {"S": f"spoilt{char}@acme.example"}},
    )


def raw_mails_to(mailbox, address):
    """Each mail to `address` as it left the process, parsed with compat32."""
    found = []
    for sent in mailbox.messages():
        parsed = email.message_from_string(sent.raw_data, policy=email.policy.compat32)
        if parsed["To"] == address:
            found.append((sent.raw_data, parsed))
    return found


def assert_clean(raw, parsed, char):
    headers = raw.split("\r\n\r\n" if "\r\n\r\n" in raw else "\n\n", 1)[0]
    assert not re.search(r"^Bcc:", headers, re.M | re.I)  # no header smuggled in
    assert parsed.get_all("Bcc") is None
    unfolded = re.sub(r"\r?\n(?=[ \t])", "", parsed["Subject"])  # RFC 5322 unfolding
    assert "\r" not in unfolded and "\n" not in unfolded
    words = email.header.decode_header(unfolded)
    text = "".join(p.decode(c or "ascii") if isinstance(p, bytes) else p for p, c in words)
    assert char not in text and shown(char) in text
    for part in parsed.walk():
        if part.get_content_maintype() == "text":
            body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            assert shown(char) in body
            if char not in ("\r\n", "\n"):
                assert char not in body


@pytest.mark.parametrize("char", BAD.values(), ids=BAD.keys())
def test_a_lead_with_bad_characters_in_every_field_is_routed_mailed_and_webhooked(
    client, aws, stream, mailbox, queue, hook, no_backoff, char
):
    Hook.status = 200
    put_rep(client, "ann", pools=[], territories=[], webhook_url=hook, webhook_secret="s" * 32)
    lead_id = sql_lead(client, stream, mailbox, "spoilt@acme.example")
    spoil(aws, lead_id, char)
    queue.pump()

    [a] = assignments(client, lead_id)
    assert (a["status"], a["rep_id"], a["notified_offer"], a["webhook_offer"]) == ("offered", "ann", 1, 1)
    [(raw, parsed)] = raw_mails_to(mailbox, "ann@sales.example")
    assert_clean(raw, parsed, char)
    [(_, body)] = Hook.calls
    payload = json.loads(body)
    for text in (payload["text"], payload["blocks"][0]["text"]["text"]):
        assert char not in text and shown(char) in text
    assert a["webhook_failures"] == []


@pytest.mark.parametrize("char", ["\x85", "\r\n", "\u202e"], ids=["NEL", "CRLF", "RLO"])
def test_the_manager_hears_of_an_unassigned_lead_with_bad_characters(client, aws, stream, mailbox, queue, char):
    lead_id = sql_lead(client, stream, mailbox, "spoilt@acme.example")
    spoil(aws, lead_id, char)
    queue.pump()

    assert assignments(client, lead_id)[0]["status"] == "unassigned"
    [(raw, parsed)] = raw_mails_to(mailbox, MANAGER)
    assert_clean(raw, parsed, char)


def test_a_company_name_cannot_make_a_slack_link_or_ping_the_channel(
    client, aws, stream, mailbox, queue, hook, no_backoff
):
    Hook.status = 200
    put_rep(client, "ann", webhook_url=hook, webhook_secret="s" * 32)
    lead_id = sql_lead(
        client, stream, mailbox, "slack@acme.example", company="<https://evil.example|Accept> <!channel> & co"
    )
    queue.pump()

    [(_, body)] = Hook.calls
    payload = json.loads(body)
    for text in (payload["text"], payload["blocks"][0]["text"]["text"]):
        assert "&lt;https://evil.example|Accept&gt; &lt;!channel&gt; &amp; co" in text
        assert "<" not in text and ">" not in text
    assert payload["leadflow"]["lead"]["company"] == "<https://evil.example|Accept> <!channel> & co"  # data stays data
    assert client.http.get(f"/assignments/{lead_id}", headers=ADMIN).status_code == 200
