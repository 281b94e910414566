"""`/health` answers 503 when the app could not serve: secrets or playbook
that do not load, not only an unreachable table."""

import logging
import os

import pytest
from chalice.test import Client

from chalicelib.secrets import hash_admin_token
from chalicelib.wiring import Services, configure


@pytest.fixture
def health(aws, clock):
    def answer(**env):
        configure(Services(env={**os.environ, **env}, clock=clock))
        from app import app

        try:
            with Client(app) as client:
                return client.http.get("/health")
        finally:
            configure(None)

    return answer


def test_health_is_200_when_everything_loads(health):
    answer = health()
    assert answer.status_code == 200 and answer.json_body == {"status": "ok"}


def test_health_is_503_when_an_admin_token_entry_breaks_the_secret(health, caplog):
    # what add-admin-token wrote for the name "o:ps" before it checked names
    broken = f"o:ps:admin:{hash_admin_token('t')}"
    with caplog.at_level(logging.ERROR):
        answer = health(LEADFLOW_ADMIN_TOKENS=broken)
    assert answer.status_code == 503 and answer.json_body == {"status": "unavailable"}
    assert "secrets cannot be loaded (MissingSecret)" in caplog.text and hash_admin_token("t") not in caplog.text


def test_health_is_503_without_a_signing_key(health):
    assert health(LEADFLOW_SIGNING_KEYS="").status_code == 503


def test_health_is_503_when_the_playbook_does_not_validate(health, tmp_path):
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text("forms: 3\n")
    assert health(LEADFLOW_PLAYBOOK=str(playbook)).status_code == 503
