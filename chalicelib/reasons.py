"""Why an input was refused, as a catalogue key and the values the message
names: the domain says what is wrong, the web layer words it in the reader's
language (chalicelib/web/messages.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        # logs and exception texts name the rule, never what the person typed
        return self.key
