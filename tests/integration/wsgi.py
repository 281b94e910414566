"""The Chalice app behind a WSGI interface (tests only), so tools that
speak WSGI (Schemathesis) call it in process through Chalice's own local
API Gateway emulation (authorizers, binary types, content types)."""

from __future__ import annotations

import base64
from http import HTTPStatus
from urllib.parse import quote

from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException


def _answer(gateway: LocalGateway, method: str, path: str, headers: dict, body: bytes):
    try:
        response = gateway.handle_request(method=method, path=path, headers=headers, body=body)
    except LocalGatewayException as error:
        return error.CODE, dict(error.headers or {}), error.body or b""
    raw = response.get("body") or ""
    payload = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
    return response["statusCode"], {**response.get("headers", {}), **response.get("multiValueHeaders", {})}, payload


def wsgi_app(app):
    gateway = LocalGateway(app, Config())

    def application(environ, start_response):
        path = quote(
            environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace"), safe="/:@!$&'()*+,=-._~"
        )
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name.startswith("HTTP_")
        }
        for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(name):
                headers[name.replace("_", "-").lower()] = environ[name]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        status, response_headers, payload = _answer(gateway, environ["REQUEST_METHOD"], path, headers, body)
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        start_response(
            f"{status} {reason}", [(k, v if isinstance(v, str) else ",".join(v)) for k, v in response_headers.items()]
        )
        return [payload]

    return application
