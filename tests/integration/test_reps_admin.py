"""Reps are easy to get right: PUT replaces (201 new, 200 updated), PATCH
changes only what it names, a webhook secret rotates alone."""

import json

import pytest

from .conftest import ADMIN
from .test_routing_flow import JSON_ADMIN

FULL = {
    "name": "Ann",
    "email": "ann@sales.example",
    "pools": ["dach"],
    "territories": ["DE"],
    "capacity": 5,
    "working_hours": {"timezone": "Europe/Berlin", "days": ["mon", "tue"], "start": "08:00", "end": "16:00"},
    "webhook_url": "https://hooks.example/ann",
    "webhook_secret": "first-secret-0123456789",
}


def put(client, body):
    return client.http.put("/reps/ann", headers=JSON_ADMIN, body=json.dumps(body))


def patch(client, body, rep_id="ann"):
    return client.http.patch(f"/reps/{rep_id}", headers=JSON_ADMIN, body=json.dumps(body))


def stored_secret(services):
    return services.routing_store.rep("ann").webhook_secret


def test_put_answers_201_for_a_new_rep_and_200_for_the_same_body_again(client):
    assert put(client, FULL).status_code == 201
    assert put(client, FULL).status_code == 200
    assert put(client, {**FULL, "capacity": 6}).status_code == 200


def test_patch_changes_only_the_named_fields(client, services):
    put(client, FULL)
    answer = patch(client, {"out_of_office": True})
    assert answer.status_code == 200, answer.body
    rep = answer.json_body
    assert rep["out_of_office"] is True
    assert rep["webhook_url"] == "https://hooks.example/ann" and rep["webhook_secret_set"]
    assert rep["working_hours"] == FULL["working_hours"] and rep["pools"] == ["dach"] and rep["capacity"] == 5
    assert patch(client, {"capacity": 2, "locale": "de"}).json_body | {} == {
        **rep,
        "capacity": 2,
        "capacity_left": 2,
        "locale": "de",
    }
    assert stored_secret(services) == FULL["webhook_secret"]


def test_a_webhook_secret_rotates_without_resending_the_rest(client, services):
    put(client, FULL)
    assert patch(client, {"webhook_secret": "second-secret-0123456789"}).status_code == 200
    assert stored_secret(services) == "second-secret-0123456789"
    assert services.routing_store.rep("ann").webhook_url == "https://hooks.example/ann"


def test_patch_refuses_what_the_whole_rep_would_not_allow_and_stores_nothing(client, services):
    put(client, FULL)
    assert patch(client, {"webhook_url": None}).status_code == 400  # its secret would be left alone
    assert patch(client, {"capacity": -1}).status_code == 400
    assert patch(client, {"shoe_size": 44}).status_code == 400
    assert patch(client, {"locale": "fr"}).status_code == 400
    assert client.http.patch("/reps/ann", headers=JSON_ADMIN, body="[]").status_code == 400
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["capacity"] == 5
    assert patch(client, {"webhook_url": None, "webhook_secret": None}).json_body["webhook_url"] is None
    assert patch(client, {"capacity": 1}, rep_id="nobody").status_code == 404
    assert client.http.get("/reps/nobody", headers=ADMIN).status_code == 404


def test_a_rep_given_only_the_required_fields_gets_the_documented_defaults(client):
    rep = put(client, {"name": "Ann", "email": "ann@sales.example", "capacity": 3}).json_body
    assert (rep["pools"], rep["territories"], rep["out_of_office"], rep["working_hours"], rep["locale"]) == (
        [],
        [],
        False,
        None,
        "en",
    )


@pytest.mark.parametrize("bad", ["Ann\r\nBcc: eve@evil.example", "Ann\u0085", "Ann\u202eevil", "Ann\u2028"])
def test_a_rep_name_with_a_line_break_control_or_bidi_character_is_a_400_and_stores_nothing(client, services, bad):
    answer = put(client, {**FULL, "name": bad})
    assert answer.status_code == 400 and "name" in answer.json_body["errors"]
    assert services.routing_store.rep("ann") is None
    put(client, FULL)
    assert patch(client, {"industries": [f"software{bad[3:]}"]}).status_code == 400
    assert services.routing_store.rep("ann").name == "Ann"
