"""The API description (openapi.yaml next to this file), served as JSON."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml

SOURCE = Path(__file__).resolve().parent / "openapi.yaml"


@lru_cache(maxsize=1)
def document_json() -> str:
    return json.dumps(yaml.safe_load(SOURCE.read_text(encoding="utf-8")))
