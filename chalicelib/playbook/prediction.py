"""The playbook's `prediction` section: which lead facts the naive-Bayes
model learns from, how it smooths, when it has seen enough outcomes to
speak, and its probability bands. The model itself is chalicelib/prediction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Strict

# profile facts, then behaviour: `activities` stands for one fact per type
# in `activity_types` (its count in the first `activity_days`)
Fact = Literal[
    "country",
    "company_size",
    "industry",
    "source",
    "form",
    "free_mail",
    "seniority",
    "activities",
    "temperature_at_mql",
]
_ALL_FACTS: tuple[Fact, ...] = Fact.__args__


def _default_bands() -> dict[str, float]:
    return {"low": 0.0, "medium": 0.25, "high": 0.5, "very_high": 0.75}


class Prediction(Strict):
    facts: tuple[Fact, ...] = _ALL_FACTS
    activity_types: tuple[str, ...] = ()
    activity_days: float = Field(default=14, gt=0)
    # e-mail domains that say "private address" (free_mail: yes / no)
    free_mail_domains: tuple[str, ...] = ()
    # job-title words per seniority level, whole words, any case; the first
    # level (in this order) with a word in the title wins, else `other`
    seniority: dict[str, tuple[str, ...]] = {}
    # closed leads (won + lost) needed before any probability is shown
    min_outcomes: int = Field(default=50, ge=1)
    # Laplace's add-alpha: every (fact, value, class) count starts at this,
    # so an unseen value is neutral rather than impossible
    smoothing: float = Field(default=1.0, gt=0)
    # the rescore job refreshes every open lead's prediction once this share
    # of the closed leads has been counted since the last refresh
    refresh_share: float = Field(default=0.1, gt=0, le=1)
    # band name -> the lowest probability in it
    bands: dict[str, float] = Field(default_factory=_default_bands)

    @model_validator(mode="after")
    def _bands_start_at_zero(self) -> Prediction:
        bounds = sorted(self.bands.values())
        if not bounds or bounds[0] != 0 or any(not 0 <= b < 1 for b in bounds) or len(set(bounds)) != len(bounds):
            raise ValueError("bands: distinct lower bounds in [0, 1), one of them 0")
        return self

    def fact_names(self) -> tuple[str, ...]:
        """The model's facts with `activities` spelt out per type."""
        names: list[str] = []
        for fact in self.facts:
            names += [f"activity:{t}" for t in self.activity_types] if fact == "activities" else [fact]
        return tuple(names)
