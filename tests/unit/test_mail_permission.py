from dataclasses import dataclass

import pytest

from chalicelib.consent.permission import MARKETING, OPT_IN, mail_refusal, may_mail


@dataclass
class Lead:
    status: str
    suppressed: bool = False


@pytest.mark.parametrize(
    "lead, kind, expected",
    [
        (Lead("confirmed"), MARKETING, None),
        (Lead("pending"), MARKETING, "not confirmed"),
        (Lead("unsubscribed"), MARKETING, "unsubscribed"),
        (Lead("confirmed", suppressed=True), MARKETING, "suppressed"),
        (None, MARKETING, "lead gone"),
        (Lead("pending"), OPT_IN, None),
        # a re-signup after a plain unsubscribe starts a fresh double opt-in
        (Lead("unsubscribed"), OPT_IN, None),
        (Lead("confirmed"), OPT_IN, "already confirmed"),
        (Lead("pending", suppressed=True), OPT_IN, "suppressed"),
        (Lead("unsubscribed", suppressed=True), OPT_IN, "suppressed"),
        (None, OPT_IN, "lead gone"),
    ],
)
def test_who_may_get_which_mail(lead, kind, expected):
    assert mail_refusal(lead, kind) == expected
    assert may_mail(lead, kind) is (expected is None)


@pytest.mark.parametrize("kind", [OPT_IN, MARKETING])
def test_a_suppressed_address_refuses_even_a_lead_without_the_flag(kind):
    assert (
        mail_refusal(Lead("confirmed" if kind == MARKETING else "pending"), kind, address_suppressed=True)
        == "suppressed"
    )


def test_an_unknown_kind_of_mail_is_a_programming_error():
    with pytest.raises(ValueError):
        mail_refusal(Lead("confirmed"), "newsletter")
