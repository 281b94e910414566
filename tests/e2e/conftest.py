"""End-to-end fixtures: the local stack as a subprocess on free ports,
driven over HTTP only. One stack per module."""

from __future__ import annotations

import pytest
import requests

from infra.local.launch import RunningStack, start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("stack") / "stack.log")
    yield running
    running.stop()


class Api:
    """Small HTTP helpers over one running stack."""

    def __init__(self, stack: RunningStack):
        self.stack = stack
        self.url = stack.api
        self.admin = {"Authorization": "Bearer leadflow-local-admin"}

    def drain(self) -> None:
        answer = requests.post(f"{self.url}/_local/drain", timeout=40)
        assert answer.status_code == 200, answer.text

    def render_token(self) -> str:
        return self.stack.render_token()

    def submit(self, address: str, token: str | None = None, **fields) -> requests.Response:
        """A JSON form post as the landing page's script sends it."""
        body = {"email": address, "consent": True, "_render_token": token or self.render_token(), **fields}
        return requests.post(f"{self.url}/forms/demo/submissions", json=body, timeout=30)

    def mail_to(self, address: str) -> list[dict]:
        return requests.get(f"{self.url}/_local/mailbox", params={"to": address}, timeout=10).json()["messages"]

    def lead(self, address: str) -> dict:
        answer = requests.get(f"{self.url}/leads", params={"email": address}, headers=self.admin, timeout=10)
        assert answer.status_code == 200, answer.text
        [lead] = answer.json()["leads"]
        return requests.get(f"{self.url}/leads/{lead['lead_id']}", headers=self.admin, timeout=10).json()


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack)
