"""Key material from Secrets Manager: read once per cold start, rotated by
kid with infra/keys.py. On moto, in process."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from chalicelib.secrets import hash_admin_token
from chalicelib.wiring import Services
from infra import keys
from tests.conftest import TEST_ENV

REGION = "eu-central-1"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def secret():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        arn = client.create_secret(
            Name="leadflow",
            SecretString=json.dumps(
                {"LEADFLOW_LEAD_KEY": "deployed-lead-key", "LEADFLOW_SIGNING_KEYS": "", "LEADFLOW_ADMIN_TOKENS": ""}
            ),
        )["ARN"]
        yield client, arn


def deployed_env(arn):
    return {**TEST_ENV, "LEADFLOW_SECRETS_ARN": arn}


def test_deployed_functions_take_key_material_from_the_secret_not_the_environment(secret):
    client, arn = secret
    keys.main(["rotate-signing-key", "--secret-id", arn], client)

    loaded = Services(env=deployed_env(arn)).secrets

    assert loaded.lead_key == b"deployed-lead-key"
    assert loaded.current_kid == "k1" and b"test-signing-key" not in loaded.signing_keys.values()


def test_the_secret_is_read_once_per_cold_start(secret):
    client, arn = secret
    keys.main(["rotate-signing-key", "--secret-id", arn], client)
    services = Services(env=deployed_env(arn))
    first = services.secrets

    keys.main(["rotate-signing-key", "--secret-id", arn], client)

    assert services.secrets is first and first.current_kid == "k1"
    assert Services(env=deployed_env(arn)).secrets.current_kid == "k2"


def test_rotation_signs_with_the_new_key_and_still_verifies_the_old_ones(secret):
    client, arn = secret
    keys.main(["rotate-signing-key", "--secret-id", arn], client)
    before = Services(env=deployed_env(arn))
    token = before.signer.sign("unsubscribe", {"lead": "L1"}, NOW + timedelta(days=1))

    keys.main(["rotate-signing-key", "--secret-id", arn], client)
    after = Services(env=deployed_env(arn))

    assert after.secrets.current_kid == "k2" and set(after.secrets.signing_keys) == {"k1", "k2"}
    assert after.signer.verify(token, "unsubscribe", NOW)["lead"] == "L1"


def test_an_added_admin_token_is_stored_only_as_its_hash(secret, capsys):
    client, arn = secret
    keys.main(["rotate-signing-key", "--secret-id", arn], client)
    keys.main(["add-admin-token", "--secret-id", arn, "ops", "admin+reporting"], client)
    token = capsys.readouterr().out.rsplit(": ", 1)[1].strip()

    stored = client.get_secret_value(SecretId=arn)["SecretString"]
    admins = Services(env=deployed_env(arn)).secrets.admin_tokens

    assert token not in stored
    assert admins[hash_admin_token(token)].name == "ops"
    assert admins[hash_admin_token(token)].scopes == {"admin", "reporting"}


@pytest.mark.parametrize(
    "name, scopes",
    [
        ("o:ps", "admin"),
        ("ops,eve", "admin"),
        ("ops team", "admin"),
        ("", "admin"),
        ("ops\n", "admin"),
        ("ops", "root"),
        ("ops", "admin:x"),
        ("ops", "admin+"),
        ("ops", "admin+admin"),
    ],
)
def test_add_admin_token_refuses_names_and_scopes_that_would_break_the_secret(secret, capsys, name, scopes):
    client, arn = secret
    keys.main(["rotate-signing-key", "--secret-id", arn], client)
    before = client.get_secret_value(SecretId=arn)["SecretString"]

    with pytest.raises(SystemExit) as refused:
        keys.main(["add-admin-token", "--secret-id", arn, name, scopes], client)

    assert refused.value.code == 2 and "shown once" not in capsys.readouterr().out
    assert client.get_secret_value(SecretId=arn)["SecretString"] == before
    assert {who.name for who in Services(env=deployed_env(arn)).secrets.admin_tokens.values()} == {"local"}
