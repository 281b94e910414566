"""The body of POST /imports, checked whole (pydantic)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .rows import CONSENT_MODES

MAX_BYTES = 100 * 1024 * 1024

_Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    form_id: _Name
    consent_mode: Literal[CONSENT_MODES]
    column_map: dict[_Name, _Name] = Field(default_factory=dict, max_length=200)
    dry_run: bool = False
    update_existing: bool = False
    # the file's size: the presigned PUT then signs Content-Length, so S3
    # refuses a body of any other length, and a file over the limit is
    # refused before it is sent
    size_bytes: int | None = Field(default=None, ge=1, le=MAX_BYTES)
