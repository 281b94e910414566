"""Jinja2 templates for mail, localised per file (`<name>.<locale>.txt|html`).
A template sets its subject with `{% set subject = ... %}`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .message import OutgoingMail

_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_mail(name: str, locale: str, to: str, context: Mapping[str, Any], **extra: Any) -> OutgoingMail:
    env = environment()
    text = env.get_template(f"{name}.{locale}.txt")
    html = env.get_template(f"{name}.{locale}.html")
    subject = text.make_module(dict(context)).subject
    return OutgoingMail(to=to, subject=subject, text=text.render(context), html=html.render(context), **extra)
