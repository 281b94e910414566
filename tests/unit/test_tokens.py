from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.tokens import (
    InvalidToken,
    Signer,
    hash_token,
    keyed_hash,
    new_opt_in_token,
    read_lead_token,
    sign_lead_token,
)

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_opt_in_tokens_carry_at_least_128_random_bits_and_only_their_hash_is_kept():
    token, digest = new_opt_in_token()
    assert len(token) >= 32  # 24 random bytes, base64url
    assert digest == hash_token(token) and token not in digest
    assert len({new_opt_in_token()[0] for _ in range(1000)}) == 1000


def test_keyed_hash_is_stable_and_depends_on_the_key():
    assert keyed_hash(b"k", "ann@example.com") == keyed_hash(b"k", "ann@example.com")
    assert keyed_hash(b"k", "ann@example.com") != keyed_hash(b"other", "ann@example.com")
    assert "ann" not in keyed_hash(b"k", "ann@example.com")


def test_signed_token_round_trips_and_does_not_show_an_address():
    signer = Signer({"k1": b"secret"}, "k1")
    token = signer.sign("lead", {"l": "abc"})
    assert signer.verify(token, "lead", NOW) == {"p": "lead", "l": "abc"}


def test_a_rotated_key_still_verifies_old_tokens_while_listed():
    old = Signer({"k1": b"one"}, "k1").sign("unsubscribe", {"l": "abc"})
    rotated = Signer({"k2": b"two", "k1": b"one"}, "k2")
    assert rotated.verify(old, "unsubscribe", NOW)["l"] == "abc"
    with pytest.raises(InvalidToken):
        Signer({"k2": b"two"}, "k2").verify(old, "unsubscribe", NOW)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", "", 1),
        lambda t: "k9" + t[2:],
        lambda t: "",
    ],
)
def test_tampered_tokens_are_rejected(mangle):
    signer = Signer({"k1": b"secret"}, "k1")
    with pytest.raises(InvalidToken):
        signer.verify(mangle(signer.sign("lead", {"l": "abc"})), "lead", NOW)


def test_tokens_are_scoped_to_one_purpose_and_expire():
    signer = Signer({"k1": b"secret"}, "k1")
    with pytest.raises(InvalidToken, match="purpose"):
        signer.verify(signer.sign("lead", {"l": "abc"}), "unsubscribe", NOW)
    expiring = signer.sign("click", {"u": "https://x"}, expires_at=NOW + timedelta(days=1))
    assert signer.verify(expiring, "click", NOW)
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(expiring, "click", NOW + timedelta(days=2))


def test_a_lead_token_expires_after_its_days_and_one_without_expiry_is_refused():
    signer = Signer({"k1": b"secret"}, "k1")
    token = sign_lead_token(signer, "abc", NOW, days=30)
    assert read_lead_token(signer, token, NOW + timedelta(days=29, hours=23)) == "abc"
    with pytest.raises(InvalidToken, match="expired"):
        read_lead_token(signer, token, NOW + timedelta(days=30, seconds=1))
    with pytest.raises(InvalidToken, match="no expiry"):
        read_lead_token(signer, signer.sign("lead", {"l": "abc"}), NOW)  # as issued before tokens expired
