"""The playbook: forms, opt-in rules and limits (later scoring, nurture and
routing) as one versioned YAML document, validated whole at load. A bad
playbook raises PlaybookError naming the offending key; it never half-loads."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from .model import Playbook

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "playbook.yaml"

__all__ = ["Playbook", "PlaybookError", "load_playbook", "read_playbook", "parse_playbook", "DEFAULT_PATH"]


class PlaybookError(ValueError):
    pass


_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


def _expand(text: str, env) -> str:
    """`${NAME}` / `${NAME:-default}` so one playbook serves every stage (the
    local stack's landing origin, production URLs)."""

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is None:
            raise PlaybookError(f"playbook refers to ${{{name}}}, which is not set")
        return default

    return _VARIABLE.sub(replace, text)


def read_playbook(path: str | os.PathLike | None = None, env=None) -> dict:
    """The playbook's YAML as data, with `${...}` filled from the environment
    (not yet validated)."""
    env = os.environ if env is None else env
    path = Path(path or env.get("LEADFLOW_PLAYBOOK") or DEFAULT_PATH)
    try:
        return yaml.safe_load(_expand(path.read_text(encoding="utf-8"), env))
    except OSError as exc:
        raise PlaybookError(f"playbook {path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise PlaybookError(f"playbook {path}: not valid YAML ({exc})") from None


def load_playbook(path: str | os.PathLike | None = None, env=None) -> Playbook:
    env = os.environ if env is None else env
    source = str(path or env.get("LEADFLOW_PLAYBOOK") or DEFAULT_PATH)
    return parse_playbook(read_playbook(path, env), source=source)


def parse_playbook(raw, source: str = "playbook") -> Playbook:
    try:
        return Playbook.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise PlaybookError(f"{source}: {problems}") from None
