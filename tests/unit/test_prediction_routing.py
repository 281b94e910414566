"""A routing rule may ask for a predicted likelihood to close: likely
closers go to their own pool, leads without a number never match it."""

import pytest
from pydantic import ValidationError

from chalicelib.playbook.routing import Routing
from chalicelib.routing.rules import lead_facts, pool_for

ROUTING = Routing.model_validate(
    {
        "rules": [
            {"name": "likely", "match": {"min_probability": 0.7, "countries": ["DE"]}, "pool": "closers"},
            {"name": "dach", "match": {"countries": ["DE", "AT"]}, "pool": "dach"},
        ],
        "fallback_pool": "inbound",
        "default_owner": "boss",
    }
)


def facts(prediction):
    return lead_facts({"country": "DE"}, {}, "demo", prediction)


def test_a_likely_closer_goes_to_the_named_pool_and_every_other_lead_to_the_next_rule():
    assert pool_for(facts({"status": "predicted", "probability": 0.72}), ROUTING) == "closers"
    assert pool_for(facts({"status": "predicted", "probability": 0.7}), ROUTING) == "closers"
    assert pool_for(facts({"status": "predicted", "probability": 0.69}), ROUTING) == "dach"
    assert pool_for(facts({"status": "insufficient_data", "closed_outcomes": 3}), ROUTING) == "dach"
    assert pool_for(facts(None), ROUTING) == "dach"


@pytest.mark.parametrize("bound", [0, 1, 1.5, -0.1])
def test_min_probability_is_a_share_strictly_between_nothing_and_certainty(bound):
    with pytest.raises(ValidationError, match="min_probability"):
        Routing.model_validate({"rules": [{"name": "x", "match": {"min_probability": bound}, "pool": "p"}]})
