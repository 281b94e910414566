"""Reads Leadflow's key material from Secrets Manager (see chalicelib/secrets.py)."""

from __future__ import annotations

import json

from .secrets import MissingSecret


def fetch_secret_json(secret_id: str, region: str) -> dict[str, str]:
    import boto3

    value = boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=secret_id)
    document = json.loads(value["SecretString"])
    if not isinstance(document, dict):
        raise MissingSecret(f"{secret_id}: expected a JSON object")
    return document
