"""Stored text made safe to show in one line of a mail header, a template or
a chat message: data already stored (from before edge validation, imports,
admin edits) may hold line breaks or controls that make a header builder
raise or a line break in the wrong place, and bidi overrides that make text
read backwards. Line breaks and controls become a space; invisible
direction controls go."""

from __future__ import annotations

import re
from typing import Any

_BREAKS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]  # C0, DEL, C1 (NEL), LS, PS
_DIRECTION = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TABLE = {**dict.fromkeys(_BREAKS, " "), **dict.fromkeys(_DIRECTION, None)}
_SPACES = re.compile(r" {2,}")


def one_line(value: Any) -> Any:
    """The text as one clean line; anything that is not text unchanged."""
    if not isinstance(value, str):
        return value
    return _SPACES.sub(" ", value.translate(_TABLE)).strip()


def slack_escaped(text: str) -> str:
    """Slack's own escaping for `text`/`mrkdwn`: `<...>` would make links,
    mentions and channel pings, `&` would start an entity."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
