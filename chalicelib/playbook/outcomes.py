"""The playbook's `outcomes` section: why sales closed a lead without a deal.
`lost` and `disqualified` take a reason from this list (the feedback that
tells marketing which channels send leads sales cannot use), and the outcomes
named in `reason_required` refuse to be recorded without one."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Strict

_REASON = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
REASONED = ("lost", "disqualified")


class Outcomes(Strict):
    reasons: tuple[str, ...] = Field(
        default=("no_budget", "no_fit", "competitor", "no_response", "bad_data"), min_length=1
    )
    reason_required: tuple[Literal["lost", "disqualified"], ...] = ()

    @field_validator("reasons")
    @classmethod
    def _names(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        for reason in reasons:
            if not _REASON.match(reason):
                raise ValueError(f"{reason!r}: lower-case letters, digits and _ (at most 40)")
        return reasons

    @model_validator(mode="after")
    def _no_repeats(self) -> Outcomes:
        if len(set(self.reasons)) != len(self.reasons):
            raise ValueError("reasons: each reason once")
        return self
