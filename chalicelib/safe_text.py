"""Stored text made safe to show in one line of a mail header, a template or
a chat message: data already stored (from before edge validation, imports,
admin edits) may hold line breaks or controls that make a header builder
raise or a line break in the wrong place, and bidi overrides that make text
read backwards. Line breaks and controls become a space; invisible
direction controls go."""

from __future__ import annotations

import re
from typing import Any

from .values import BIDI_CONTROLS, LINE_BREAKERS

# the characters the edge refuses (values.py); besides, the invisible
# direction marks, which are harmless in stored text but not in one line
_BREAKS = re.compile(f"[{LINE_BREAKERS}]+")
_DIRECTION = re.compile(f"[{BIDI_CONTROLS}\u061c\u200e\u200f]")
_SPACES = re.compile(r" {2,}")


def one_line(value: Any) -> Any:
    """The text as one clean line; anything that is not text unchanged."""
    if not isinstance(value, str):
        return value
    return _SPACES.sub(" ", _BREAKS.sub(" ", _DIRECTION.sub("", value))).strip()


def slack_escaped(text: str) -> str:
    """Slack's own escaping for `text`/`mrkdwn`: `<...>` would make links,
    mentions and channel pings, `&` would start an entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
