"""Server-rendered pages (confirmation, unsubscribe, ...): one template each,
texts per locale, everything echoed escaped by Jinja2's autoescape."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .http import accepted_locale
from .texts import TEXTS


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )


def render_page(name: str, locale: str, **context: Any) -> str:
    locale = locale if locale in TEXTS else "en"
    return _environment().get_template(f"{name}.html").render(t=TEXTS[locale], locale=locale, **context)


def reader_locale(headers) -> str:
    """For pages no form or lead decides (an invalid link): `Accept-Language`."""
    return accepted_locale(headers, TEXTS, "en")
