"""Bad bytes at every JSON route: a 400 in valid JSON, and nothing stored.
Bodies are sent as raw bytes, exactly as an attacker or a fuzzer writes them
(json.dumps could not even produce most of them)."""

import json

import pytest

from .conftest import ADMIN, stored_items
from .test_scoring_flow import confirmed_lead

JSON = {"Content-Type": "application/json"}
DEEP = "[" * 2000 + "]" * 2000
JUST_TOO_DEEP = "[" * 32 + "]" * 32  # inside the body's own object: 33 levels

# a valid body per route, with @ where one value goes
ROUTES = {
    "form": ("post", "/forms/demo/submissions", '{"email": "bob@example.com", "consent": true, "first_name": @}'),
    "event": ("post", "/events", '{"lead": "<lead>", "type": "page_view", "url": "https://a.example/", "n": @}'),
    "activity": ("post", "/leads/<id>/activities", '{"type": "webinar_attended", "data": {"n": @}}'),
    "profile edit": ("patch", "/leads/<id>", '{"profile": {"n": @}}'),
    "rep": ("put", "/reps/bo", '{"name": @, "email": "bo@example.com", "capacity": 3}'),
    "assignment": ("post", "/assignments/<id>/outcome", '{"outcome": "won", "note": @}'),
    "spend": (
        "put",
        "/campaigns/spring/spend",
        '{"amount": @, "currency": "EUR", "period": {"from": "2026-11-01", "to": "2026-11-30"}}',
    ),
}
BAD_VALUES = {
    "nested 2000 deep": DEEP,
    "nested 33 deep": JUST_TOO_DEEP,
    "lone surrogate": '"a\\ud800b"',
    "lone low surrogate": '"\\udfff"',
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e400": "1e400",
    "1e-200": "1e-200",
    "a 39-digit integer": "1" * 39,
    "a repeated key": '"x", "dup": 1, "dup": 2',
}


def strict_json(text):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def lead(client, stream, mailbox):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox)
    return lead_id, lead_token


@pytest.mark.parametrize("route", ROUTES.values(), ids=ROUTES.keys())
def test_bad_json_gets_400_in_valid_json_and_stores_nothing(client, aws, lead, route):
    lead_id, lead_token = lead
    method, path, template = route
    before = stored_items(aws)
    for name, value in BAD_VALUES.items():
        body = template.replace("@", value).replace("<lead>", lead_token)
        answer = getattr(client.http, method)(
            path.replace("<id>", lead_id), body=body.encode("utf-8"), headers={**JSON, **ADMIN}
        )
        assert answer.status_code == 400, (name, answer.body)
        assert strict_json(answer.body)["errors"], name
        assert stored_items(aws) == before, name


def test_the_body_is_named_for_what_is_wrong_with_it(client, lead):
    lead_id, _ = lead

    def error(body):
        answer = client.http.patch(f"/leads/{lead_id}", body=body, headers={**JSON, **ADMIN})
        return answer.json_body["errors"]["body"]

    assert "deeper than 32" in error('{"profile": ' + DEEP + "}")
    assert "lone surrogate" in error('{"profile": {"n": "\\ud800"}}')
    assert "finite number" in error('{"profile": {"n": 1e400}}')
    assert "repeat a key" in error('{"profile": {"n": 1}, "profile": {"n": 2}}')


def test_a_profile_edit_with_1e400_leaves_the_lead_readable(client, lead):
    lead_id, _ = lead
    answer = client.http.patch(f"/leads/{lead_id}", body='{"profile": {"x": 1e400}}', headers={**JSON, **ADMIN})
    assert answer.status_code == 400
    shown = client.http.get(f"/leads/{lead_id}", headers=ADMIN)
    assert shown.status_code == 200 and "x" not in strict_json(shown.body)["profile"]


def test_json_that_is_merely_unusual_is_still_accepted(client, lead):
    lead_id, _ = lead
    body = '{"profile": {"city": "K\\u00f6ln \\ud83d\\ude00", "employees": 12345678901234567890123456789012345678}}'
    answer = client.http.patch(f"/leads/{lead_id}", body=body, headers={**JSON, **ADMIN})
    assert answer.status_code == 200, answer.body
    profile = strict_json(answer.body)["profile"]
    assert profile["city"] == "Köln 😀" and profile["employees"] == 12345678901234567890123456789012345678


# --- text fields ----------------------------------------------------------
BAD_TEXT = {
    "CR LF": "Ann\r\nBcc: x@evil.test",
    "a trailing LF": "Ann\n",
    "NEL": "Ann\x85Smith",
    "a trailing NEL": "Ann\x85",
    "C1 CSI": "Ann\x9b31m",
    "TAB": "Ann\tSmith",
    "NUL": "Ann\x00",
    "DEL": "Ann\x7f",
    "LINE SEPARATOR": "Ann\u2028Smith",
    "PARAGRAPH SEPARATOR": "Ann\u2029",
    "RIGHT-TO-LEFT OVERRIDE": "Ann\u202egpj.exe",
    "LEFT-TO-RIGHT EMBEDDING": "\u202aAnn",
    "FIRST STRONG ISOLATE": "Ann\u2068x\u2069",
}


@pytest.mark.parametrize("text", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_control_line_and_bidi_characters_in_a_name_get_400_and_store_nothing(client, aws, text):
    body = json.dumps({"email": "bob@example.com", "consent": True, "first_name": text})
    answer = client.http.post("/forms/demo/submissions", body=body, headers=JSON)
    assert answer.status_code == 400 and "first_name" in strict_json(answer.body)["errors"]
    assert stored_items(aws) == []


def test_nel_in_an_html_form_post_gets_400(client, aws):
    body = "email=bob%40example.com&consent=on&first_name=Ann%C2%85"
    answer = client.http.post(
        "/forms/demo/submissions", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 400 and "first_name" in strict_json(answer.body)["errors"]
    assert stored_items(aws) == []


@pytest.mark.parametrize("text", BAD_TEXT.values(), ids=BAD_TEXT.keys())
def test_control_line_and_bidi_characters_in_a_profile_edit_get_400(client, aws, lead, text):
    lead_id, _ = lead
    before = stored_items(aws)
    body = json.dumps({"profile": {"company": text}})
    answer = client.http.patch(f"/leads/{lead_id}", body=body, headers={**JSON, **ADMIN})
    assert answer.status_code == 400 and "profile.company" in strict_json(answer.body)["errors"]
    assert stored_items(aws) == before


def test_a_server_activity_note_may_span_lines_but_a_web_event_may_not(client, lead):
    lead_id, lead_token = lead
    note = {"type": "webinar_attended", "data": {"note": "asked about pricing\r\nfollow up in May\n\tthanks"}}
    added = client.http.post(f"/leads/{lead_id}/activities", body=json.dumps(note), headers={**JSON, **ADMIN})
    assert added.status_code == 201, added.body
    web = {"lead": lead_token, "type": "pricing_page_view", "note": "two\nlines"}
    answer = client.http.post("/events", body=json.dumps(web), headers=JSON)
    assert answer.status_code == 400 and "data.note" in answer.json_body["errors"]
    bidi = {"type": "webinar_attended", "data": {"note": "ok\u202e"}}
    answer = client.http.post(f"/leads/{lead_id}/activities", body=json.dumps(bidi), headers={**JSON, **ADMIN})
    assert answer.status_code == 400 and "data.note" in answer.json_body["errors"]


def test_spend_takes_a_json_number_only(client, aws):
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    for amount in ("1e-200", "1E+500", "12.5", True):
        body = json.dumps({"amount": amount, "currency": "EUR", "period": period})
        answer = client.http.put("/campaigns/spring/spend", body=body, headers={**JSON, **ADMIN})
        assert answer.status_code == 400 and "amount" in answer.json_body["errors"], amount
    assert stored_items(aws) == []
