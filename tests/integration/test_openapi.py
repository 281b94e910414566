"""The served API description: valid OpenAPI 3.1, every route of app.py
described, and every operation answering as described, the admin ones with
a token (Schemathesis, in process over WSGI, bounded and derandomised)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import ADMIN
from .wsgi import wsgi_app


def test_the_document_is_valid_openapi_3_1(client):
    answer = client.http.get("/openapi.json")
    assert answer.status_code == 200 and answer.json_body["openapi"] == "3.1.0"
    validate(answer.json_body)


def test_every_route_and_method_of_the_app_is_described(client):
    from app import app

    paths = client.http.get("/openapi.json").json_body["paths"]
    missing = [
        f"{method} {path}"
        for path, methods in app.routes.items()
        for method in methods
        if method.lower() not in paths.get(path, {})
    ]
    assert missing == [], "describe these in chalicelib/openapi/openapi.yaml"
    described = {(path, m) for path, ops in paths.items() for m in ops if m != "parameters"}
    routed = {(path, m.lower()) for path, methods in app.routes.items() for m in methods}
    assert described - routed == set()


def test_admin_routes_declare_the_bearer_token_and_its_errors(client):
    from app import app

    paths = client.http.get("/openapi.json").json_body["paths"]
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            operation = paths[path][method.lower()]
            if entry.authorizer is not None:
                assert operation.get("security") == [{"bearer": []}], (method, path)
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
            else:
                assert "security" not in operation, (method, path)


@pytest.fixture
def served_schema(client):
    from app import app

    return schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app(app))


api = schemathesis.pytest.from_fixture("served_schema")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@api.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_described(case):
    # the admin operations with a valid token: a fuzzer that only ever sees
    # 401 proves nothing about what lies behind the authorizer
    secured = "security" in case.operation.definition.raw
    case.call_and_validate(headers=ADMIN if secured else None, checks=CHECKS)
