"""Shared fixtures. The environment is set before anything imports the app, so
PynamoDB models bind to the test table and the app finds its test keys."""

import os

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    # botocore >= 1.38 sends stream calls to an account host moto does not match
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "LEADFLOW_TABLE": "leadflow",
    "LEADFLOW_LEAD_KEY": "test-lead-key",
    "LEADFLOW_SIGNING_KEYS": "k1:test-signing-key",
    "LEADFLOW_ADMIN_TOKEN": "test-admin-token",
    "LEADFLOW_PUBLIC_URL": "https://api.leadflow.test",
    "LEADFLOW_MAIL_FROM": "Leadflow <hello@leadflow.test>",
}
for _name, _value in TEST_ENV.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("LEADFLOW_PLAYBOOK", None)

# emulator fixes shared with the local stack: moto copies whole tables for
# every transaction; Chalice's local gateway turns an authorizer's
# "Unauthorized" into a 500 where API Gateway answers 401
from infra.local import chalice_fixes, moto_fixes  # noqa: E402

moto_fixes.apply()
chalice_fixes.apply()
