"""Key material, read once per cold start.

In AWS they are one Secrets Manager secret (a JSON object keyed by the
variable names below) named by LEADFLOW_SECRETS_ARN and fetched once per cold
start (see infra/); locally and in tests they are plain environment
variables. Nothing here falls back to a built-in key: a deployment without
keys must fail loudly, not sign with a public default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SECRET_NAMES = ("LEADFLOW_LEAD_KEY", "LEADFLOW_SIGNING_KEYS", "LEADFLOW_ADMIN_TOKENS")


class MissingSecret(RuntimeError):
    pass


@dataclass(frozen=True)
class AdminToken:
    name: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class Secrets:
    lead_key: bytes
    signing_keys: Mapping[str, bytes]
    current_kid: str
    admin_tokens: Mapping[str, AdminToken]  # sha256 hex of the bearer token -> who

    @classmethod
    def load(cls, env: Mapping[str, str], fetch: Callable[[str], Mapping[str, str]]) -> Secrets:
        """From the secret named by LEADFLOW_SECRETS_ARN when it is set (its
        values replace, never mix with, the environment's), else from env."""
        secret_id = env.get("LEADFLOW_SECRETS_ARN")
        if not secret_id:
            return cls.from_env(env)
        document = fetch(secret_id)
        plain = {k: v for k, v in env.items() if k not in SECRET_NAMES}
        return cls.from_env({**plain, **{k: document[k] for k in SECRET_NAMES if k in document}})

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Secrets:
        lead_key = _required(env, "LEADFLOW_LEAD_KEY").encode()
        signing = []
        for entry in _required(env, "LEADFLOW_SIGNING_KEYS").split(","):
            kid, _, key = entry.strip().partition(":")
            if not kid or not key:
                raise MissingSecret("LEADFLOW_SIGNING_KEYS: expected 'kid:key[,kid:key...]'")
            signing.append((kid, key.encode()))
        return cls(
            lead_key=lead_key,
            signing_keys=dict(signing),
            current_kid=signing[0][0],
            admin_tokens=_admin_tokens(env),
        )


def hash_admin_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _admin_tokens(env: Mapping[str, str]) -> dict[str, AdminToken]:
    """LEADFLOW_ADMIN_TOKENS holds 'name:scope+scope:sha256hex' entries (hashes
    only, so the configuration never holds a usable token). The local stack's
    LEADFLOW_ADMIN_TOKEN is a plain dev token, hashed here."""
    tokens: dict[str, AdminToken] = {}
    for entry in filter(None, (e.strip() for e in env.get("LEADFLOW_ADMIN_TOKENS", "").split(","))):
        parts = entry.split(":")
        if len(parts) != 3:
            raise MissingSecret("LEADFLOW_ADMIN_TOKENS: expected 'name:scope+scope:sha256hex'")
        name, scopes, digest = parts
        tokens[digest.lower()] = AdminToken(name, frozenset(scopes.split("+")))
    plain = env.get("LEADFLOW_ADMIN_TOKEN")
    if plain:
        tokens[hash_admin_token(plain)] = AdminToken("local", frozenset({"admin", "reporting"}))
    return tokens


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise MissingSecret(f"{name} is not set")
    return value
