"""The body of POST /imports, checked whole (pydantic)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .rows import CONSENT_MODES

_Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    form_id: _Name
    consent_mode: Literal[CONSENT_MODES]
    column_map: dict[_Name, _Name] = Field(default_factory=dict, max_length=200)
    dry_run: bool = False
    update_existing: bool = False
