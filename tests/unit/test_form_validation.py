import pytest

from chalicelib.capture.validation import InvalidSubmission, as_value_lists, validate_submission
from chalicelib.playbook import load_playbook
from chalicelib.web.messages import MESSAGES, word

FORM = load_playbook().forms["demo"]


def clean(**fields):
    return validate_submission(FORM, as_value_lists({"email": "ann@example.com", "consent": True, **fields}))


def errors(**fields):
    with pytest.raises(InvalidSubmission) as raised:
        validate_submission(FORM, as_value_lists(fields))
    return raised.value.errors


def test_email_is_normalised_to_lower_case_and_idna():
    assert clean(email="  Ann.Smith@EXAMPLE.com ").email == "ann.smith@example.com"
    assert clean(email="ann@bücher.de").email == "ann@xn--bcher-kva.de"


def test_profile_and_attribution_are_split_by_the_forms_store_setting():
    submission = clean(first_name=" Ann ", country="de", utm_source="newsletter", referrer="https://blog.example/x")
    assert submission.profile == {"first_name": "Ann", "country": "DE"}
    assert submission.attribution == {"utm_source": "newsletter", "referrer": "https://blog.example/x"}


def test_multi_choice_keeps_the_playbook_order_and_drops_repeats():
    assert clean(interests=["routing", "capture", "routing"]).profile["interests"] == ["capture", "routing"]


def test_empty_optional_values_are_absent_not_empty_strings():
    assert clean(first_name="   ", company="").profile == {}


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"consent": True}, "email", "is required"),
        ({"email": "ann@example.com"}, "consent", "is required"),
        ({"email": "ann@example.com", "consent": "off"}, "consent", "is required"),
        ({"email": "not-an-address", "consent": True}, "email", "is not a valid e-mail address"),
        (
            {"email": "ann@example.com", "consent": True, "first_name": "Ann\r\nBcc: x@evil.test"},
            "first_name",
            "single line",
        ),
        ({"email": "ann@example.com", "consent": True, "last_name": "x" * 101}, "last_name", "at most 100"),
        ({"email": "ann@example.com", "consent": True, "company": 42}, "company", "must be a string"),
        ({"email": "ann@example.com", "consent": True, "company": {"a": 1}}, "company", "must be a string"),
        ({"email": "ann@example.com", "consent": True, "country": "XX"}, "country", "ISO 3166-1"),
        ({"email": "ann@example.com", "consent": True, "company_size": "12"}, "company_size", "must be one of"),
        ({"email": "ann@example.com", "consent": True, "interests": ["cooking"]}, "interests", "must be among"),
        ({"email": "ann@example.com", "consent": True, "phone": "call me"}, "phone", "phone number"),
        ({"email": "ann@example.com", "consent": True, "referrer": "javascript:alert(1)"}, "referrer", "http(s) URL"),
        ({"email": "ann@example.com", "consent": True, "is_admin": "yes"}, "is_admin", "unknown field"),
        ({"email": ["a@example.com", "b@example.com"], "consent": True}, "email", "must be given once"),
    ],
)
def test_bad_fields_are_named_with_a_message(fields, field, message):
    assert message in word(errors(**fields)[field], "en")


def local_part(octets):
    return "a" * octets + "@example.com"


# 254 octets in all: "a@", three labels of 63 and their dots, a label of 57, ".de"
LONGEST = "a@" + ".".join(["b" * 63] * 3) + "." + "c" * 57 + ".de"
# 236 characters, 260 octets once the domain is punycode
LONG_IN_PUNYCODE = "a@" + ".".join(["ü" * 57] * 4) + ".de"


@pytest.mark.parametrize(
    "address, reason",
    [
        ("jürgen@example.de", "email_local_ascii"),
        ("straße@example.de", "email_local_ascii"),
        ("用户@example.cn", "email_local_ascii"),
        (local_part(65), "email_local_length"),
        (LONG_IN_PUNYCODE, "email_length"),
        ("ann@example", "email_invalid"),
    ],
)
def test_addresses_ses_cannot_deliver_are_refused_with_their_reason(address, reason):
    assert errors(email=address, consent=True)["email"].key == reason


def test_addresses_at_the_limits_ses_delivers_are_accepted():
    assert clean(email=local_part(64)).email == local_part(64)
    assert len(LONGEST) == 254 and clean(email=LONGEST).email == LONGEST


def test_internationalised_domains_are_stored_as_punycode_whatever_their_case():
    assert clean(email="Jurgen@Bücher.DE").email == "jurgen@xn--bcher-kva.de"


def test_every_reason_is_worded_in_german_and_english():
    assert set(MESSAGES["de"]) == set(MESSAGES["en"])
    assert "Umlaute" in word(errors(email="jürgen@example.de", consent=True)["email"], "de")


def test_all_problems_are_reported_at_once():
    assert set(errors(email="x", first_name=1, colour="red")) == {"email", "first_name", "colour", "consent"}
