"""Cold start: importing the app must not load the SDK, the ORM or the
validation library; each route loads what it needs when it first runs."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "pynamodb", "pydantic", "jinja2", "email_validator", "yaml")


def test_importing_the_app_loads_none_of_the_heavy_libraries():
    probe = f"import app, sys, json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout) == []
