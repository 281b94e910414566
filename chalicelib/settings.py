"""Deployment settings from the environment (names only; no secrets here)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    public_url: str  # base URL of the API, for links in mails
    mail_from: str
    configuration_set: str | None
    region: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            public_url=env.get("LEADFLOW_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            mail_from=env.get("LEADFLOW_MAIL_FROM", "Leadflow <hello@leadflow.example>"),
            configuration_set=env.get("LEADFLOW_SES_CONFIGURATION_SET") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
        )
