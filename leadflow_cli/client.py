"""The admin API over HTTP. Every way a call can go wrong becomes one
`Failed` with a sentence a person can act on; no traceback reaches them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 30  # seconds per request; an import's upload gets longer
UPLOAD_TIMEOUT = 600


class Failed(Exception):
    """The command could not do its job (exit code 2)."""


class Refused(Failed):
    """The API answered a 4xx or 5xx: `status` lets a command say more for one it expects."""

    def __init__(self, status: int, sentence: str):
        super().__init__(sentence)
        self.status = status


class Api:
    def __init__(self, url: str, token: str | None):
        self.url = url.rstrip("/")
        self.token = token
        self.session = requests.Session()

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict) -> Any:
        return self._call("POST", path, json=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if not self.token:
            raise Failed("No admin token: set LEADFLOW_TOKEN (the local stack prints its token when it starts).")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        answer = self._send(method, f"{self.url}{path}", headers=headers, timeout=TIMEOUT, **kwargs)
        if answer.status_code == 403 and _gateway_miss(answer):
            raise Failed(
                f"The API at {self.url} has no route {method} {path.split('?', 1)[0]}: is it Leadflow's API, and new enough?"
            )
        if answer.status_code in (401, 403):
            raise Failed(
                f"The API at {self.url} refused the token ({answer.status_code}): "
                "check LEADFLOW_TOKEN (an admin token is needed)."
            )
        if answer.status_code >= 400:
            raise Refused(answer.status_code, _refusal(method, path, answer))
        try:
            return answer.json()
        except ValueError:
            raise Failed(
                f"{method} {path} answered {answer.status_code} without JSON: is {self.url} Leadflow's API?"
            ) from None

    def upload(self, upload_url: str, path: Path, on_sent: Callable[[int], Any]) -> None:
        """PUT the file to the presigned URL (no bearer token: the signature is the permission)."""
        with path.open("rb") as raw:
            body = _CountingReader(raw, path.stat().st_size, on_sent)
            answer = self._send(
                "PUT", upload_url, data=body, headers={"Content-Type": "text/csv"}, timeout=UPLOAD_TIMEOUT
            )
        if answer.status_code >= 300:
            raise Failed(f"The upload of {path.name} was refused ({answer.status_code}): {_short(answer.text)}")

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, url, **kwargs)
        except requests.ConnectionError:
            raise Failed(
                f"Cannot reach {_origin(url)}: is the API running (`make run`)? "
                "Set --api or LEADFLOW_API to its address."
            ) from None
        except requests.Timeout:
            raise Failed(f"{_origin(url)} did not answer within {kwargs.get('timeout')} s.") from None
        except requests.RequestException as error:
            raise Failed(f"Cannot talk to {_origin(url)}: {error}") from None


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _gateway_miss(answer: requests.Response) -> bool:
    """API Gateway (and Chalice's local server) answer an unknown route with a
    403 that looks like an authentication problem."""
    return "Missing Authentication Token" in answer.text or "Authorization header requires" in answer.text


def _refusal(method: str, path: str, answer: requests.Response) -> str:
    """`POST /imports was refused (400): form_id: no such form.`"""
    what = f"{method} {path.split('?', 1)[0]}"
    try:
        body = answer.json()
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict) and errors:
        detail = "; ".join(f"{field}: {message}" for field, message in errors.items())
    elif isinstance(body, dict) and isinstance(body.get("message") or body.get("Message"), str):
        detail = body.get("message") or body.get("Message")
    else:
        detail = _short(answer.text) or answer.reason
    kind = "failed" if answer.status_code >= 500 else "was refused"
    return f"{what} {kind} ({answer.status_code}): {detail}"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _CountingReader:
    """The upload's body: tells how much was read, and has a length, so the
    PUT carries Content-Length (S3 refuses a chunked upload)."""

    def __init__(self, raw, size: int, on_sent: Callable[[int], Any]):
        self._raw, self._size, self._on_sent, self._sent = raw, size, on_sent, 0

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self._sent += len(chunk)
        self._on_sent(self._sent)
        return chunk
