"""What the Makefile installs: the `leadflow` console script of pyproject.toml
names a function that exists, and the installable package is the command
line alone (the Lambda is packaged from app.py and chalicelib/ by Chalice)."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_leadflow_script_names_the_command_line_s_entry_point():
    module, _, name = PROJECT["project"]["scripts"]["leadflow"].partition(":")
    main = getattr(importlib.import_module(module), name)
    assert callable(main) and module.startswith("leadflow_cli.")


def test_only_the_command_line_is_installed_and_its_needs_are_the_pinned_file():
    assert PROJECT["tool"]["setuptools"]["packages"] == ["leadflow_cli"]
    assert PROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements-cli.txt"]}
    pins = [line for line in (ROOT / "requirements-cli.txt").read_text().splitlines() if line and line[0] != "#"]
    assert pins and all("==" in pin for pin in pins)
    assert "-r requirements-cli.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
