"""Bad bytes over real HTTP on the local stack: the public routes answer
400 in valid JSON, nothing is stored and no mail goes out."""

import json

import pytest
import requests

JSON = {"Content-Type": "application/json"}
BODIES = {
    "nested 2000 deep": '{"email": "deep@example.com", "consent": true, "x": ' + "[" * 2000 + "]" * 2000 + "}",
    "lone surrogate": '{"email": "sur@example.com", "consent": true, "first_name": "a\\ud800b"}',
    "NEL in a name": '{"email": "nel@example.com", "consent": true, "first_name": "Ann\\u0085Smith"}',
    "a repeated key": '{"email": "dup@example.com", "consent": true, "email": "dup2@example.com"}',
}


def strict_json(text):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_public_form_post_of_bad_bytes_gets_400_and_stores_nothing(api, body):
    answer = requests.post(f"{api.url}/forms/demo/submissions", data=body.encode(), headers=JSON, timeout=10)
    assert answer.status_code == 400, answer.text
    assert strict_json(answer.text)["errors"]
    api.drain()
    for address in ("deep@example.com", "sur@example.com", "nel@example.com", "dup@example.com", "dup2@example.com"):
        found = requests.get(f"{api.url}/leads", params={"email": address}, headers=api.admin, timeout=10)
        assert found.json()["leads"] == [] and api.mail_to(address) == []


def test_events_with_infinity_get_400_over_http(api):
    body = '{"lead": "x", "type": "page_view", "url": "https://a.example/", "n": Infinity}'
    answer = requests.post(f"{api.url}/events", data=body.encode(), headers=JSON, timeout=10)
    assert answer.status_code == 400 and strict_json(answer.text)["errors"]
