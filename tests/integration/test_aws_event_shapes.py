"""The handlers take the exact event shapes AWS delivers (samples in events/)."""

import json
from pathlib import Path

from .conftest import ADMIN, render_token, submit

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample(name):
    return json.loads((EVENTS / name).read_text())


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k not in ("NewImage", "OldImage", "Keys")}
    return type(value).__name__


def invoke_api(event):
    from chalice.local import LambdaContext

    from app import app

    return app(event, LambdaContext("api_handler", 512))


def test_an_api_gateway_json_post_is_accepted(client):
    event = sample("apigateway/form-submission-json.json")
    # the token the form page handed out (signed with this run's key and clock)
    event["body"] = json.dumps({**json.loads(event["body"]), "_render_token": render_token()})
    response = invoke_api(event)
    assert response["statusCode"] == 202
    lead = client.http.get("/leads?email=ann@example.com", headers=ADMIN).json_body["leads"][0]
    assert lead["consents"][0]["ip"] == "198.51.100.7"


def test_an_api_gateway_html_form_post_is_redirected(client):
    response = invoke_api(sample("apigateway/form-submission-html-form.json"))
    assert response["statusCode"] == 303
    assert response["headers"]["Location"] == "http://127.0.0.1:8001/thanks.html"


def test_stream_records_fed_to_the_handler_have_lambdas_shape(client, stream):
    assert submit(client).status_code == 202
    documented = shape(sample("dynamodb-stream/aws-documented-modify.json")["Records"][0])
    for record in stream.records():
        assert shape(record) == documented | {"eventName": "str"}


def test_the_signup_sample_record_is_handled_without_failure(client):
    result = client.lambda_.invoke("on_table_change", sample("dynamodb-stream/signup-insert.json"))
    assert result.payload == {"batchItemFailures": []}  # its lead is absent here: nothing to send
