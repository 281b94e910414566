"""Mail headers as they leave the process: read from the raw bytes (regexes
and the compat32 policy, which decodes nothing), never through policy.default."""

import email
import email.policy
import re

import pytest

from chalicelib.consent.unsubscribe import unsubscribe_link
from chalicelib.mail.message import OutgoingMail, to_mime
from chalicelib.tokens import Signer

SENDER = "Leadflow <hello@leadflow.test>"


def raw_mail(**headers):
    mail = OutgoingMail(
        to="ann@example.com", subject="Grüße", text="Grüße aus Köln", html="<p>Grüße aus Köln</p>", headers=headers
    )
    return to_mime(mail, SENDER)


def header_lines(raw: bytes, name: bytes) -> bytes:
    """The header as written, continuation lines included."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    return re.search(rb"^" + name + rb":.*?\r\n(?![ \t])", head + b"\r\n", re.M | re.S | re.I).group(0)


def test_a_signed_unsubscribe_url_goes_out_as_one_plain_ascii_uri_line():
    link = unsubscribe_link(Signer({"k1": b"key"}, "k1"), "https://api.leadflow.test", "lead-" + "7" * 64)
    assert len(f"List-Unsubscribe: <{link.url}>") > 78  # longer than the line SMTP folds at
    raw = raw_mail(**link.headers)

    assert header_lines(raw, b"List-Unsubscribe") == f"List-Unsubscribe: <{link.url}>\r\n".encode("ascii")
    assert header_lines(raw, b"List-Unsubscribe-Post") == b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    assert b"=?" not in header_lines(raw, b"List-Unsubscribe")
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert parsed["List-Unsubscribe"] == f"<{link.url}>"


def test_a_list_of_uris_is_folded_only_at_the_whitespace_between_items():
    mailto, https = "<mailto:leave@leadflow.test?subject=unsubscribe>", "<https://api.leadflow.test/u/" + "x" * 90 + ">"
    raw = raw_mail(**{"List-Unsubscribe": f"{mailto}, {https}"})
    assert header_lines(raw, b"List-Unsubscribe") == f"List-Unsubscribe: {mailto},\r\n {https}\r\n".encode()


def test_other_headers_keep_their_encoding_and_the_addresses_stay_plain():
    head = raw_mail().split(b"\r\n\r\n", 1)[0]
    assert b"\r\nSubject: =?utf-8?" in head  # non-ASCII text is what encoded-words are for
    assert b"\r\nTo: ann@example.com\r\n" in head and head.startswith(b"From: Leadflow <hello@leadflow.test>\r\n")


@pytest.mark.parametrize("value", ["<https://api.leadflow.test/ä>", "<https://a.test/x>\r\nBcc: eve@evil.test"])
def test_a_uri_list_that_cannot_stand_as_ascii_on_one_line_is_refused(value):
    with pytest.raises(ValueError):
        raw_mail(**{"List-Unsubscribe": value})


def test_non_ascii_text_goes_out_encoded_as_7_bit():
    raw = raw_mail()
    assert raw.isascii()
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    text, html = parsed.get_payload()
    assert text["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert text.get_payload(decode=True).decode(text.get_content_charset()).strip() == "Grüße aus Köln"
