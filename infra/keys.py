"""Manages the deployed key material in the AppSecrets secret (see
infra/resources.yaml and the README's "Deploy to AWS"):

  python -m infra.keys rotate-signing-key --secret-id ARN
  python -m infra.keys add-admin-token --secret-id ARN NAME SCOPE[+SCOPE]

A new signing key goes first (it signs from the next cold start on); older
keys stay so links already sent keep verifying. An admin token is printed
once; only its hash is stored.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys

import boto3

from chalicelib.admin.access import SCOPE_ROUTES
from chalicelib.secrets import hash_admin_token

# the secret's entries are 'name:scope+scope:hash' joined by commas, so a
# name must hold none of those separators (nor anything a log would misread)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


def rotate_signing_key(document: dict[str, str], key: str) -> str:
    keys = [e for e in document.get("LEADFLOW_SIGNING_KEYS", "").split(",") if e.strip()]
    numbers = [int(kid[1:]) for kid, _, _ in (e.partition(":") for e in keys) if kid[1:].isdigit()]
    kid = f"k{max(numbers, default=0) + 1}"
    document["LEADFLOW_SIGNING_KEYS"] = ",".join([f"{kid}:{key}", *keys])
    return kid


def add_admin_token(document: dict[str, str], name: str, scopes: str, token: str) -> None:
    """Raises ValueError for a name or scope that would break the secret or open nothing."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"name {name!r}: 1-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit")
    wanted = scopes.split("+")
    unknown = [scope for scope in wanted if scope not in SCOPE_ROUTES]
    if unknown or len(set(wanted)) != len(wanted):
        raise ValueError(f"scopes {scopes!r}: one or more of {', '.join(SCOPE_ROUTES)}, joined by '+'")
    entries = [e for e in document.get("LEADFLOW_ADMIN_TOKENS", "").split(",") if e.strip()]
    document["LEADFLOW_ADMIN_TOKENS"] = ",".join([*entries, f"{name}:{scopes}:{hash_admin_token(token)}"])


def main(argv: list[str], client=None) -> int:
    parser = argparse.ArgumentParser(description="Leadflow key material in Secrets Manager")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rotate-signing-key").add_argument("--secret-id", required=True)
    add = commands.add_parser("add-admin-token")
    add.add_argument("--secret-id", required=True)
    add.add_argument("name")
    add.add_argument("scopes", nargs="?", default="admin")
    args = parser.parse_args(argv)
    client = client or boto3.client("secretsmanager")
    document = json.loads(client.get_secret_value(SecretId=args.secret_id)["SecretString"])
    if args.command == "rotate-signing-key":
        print(f"new signing key id: {rotate_signing_key(document, secrets.token_urlsafe(32))}")
    else:
        token = secrets.token_urlsafe(32)
        try:
            add_admin_token(document, args.name, args.scopes, token)
        except ValueError as error:
            parser.error(str(error))  # exits 2; the secret is left as it was
        print(f"admin token for {args.name} (shown once): {token}")
    client.put_secret_value(SecretId=args.secret_id, SecretString=json.dumps(document))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
