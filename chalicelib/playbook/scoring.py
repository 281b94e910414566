"""The playbook's `scoring` section: fit rules on profile fields, engagement
points for activities (caps, decay), temperature bands and the thresholds of
the lifecycle stages. The rules themselves live in chalicelib/scoring."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from .activities import Source
from .base import Strict

# besides profile fields, fit rules may look at the domain of the e-mail address
EMAIL_DOMAIN = "email_domain"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Range(Strict):
    """Inclusive bounds on a number, or on the lower bound of a band such as
    '51-200' or '1000+'."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("a range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class FitRule(Strict):
    """Points when a profile field matches; exactly one condition."""

    name: str
    field: str
    points: int
    equals: str | float | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    range: Range | None = None
    # case-insensitive, any of these: a whole word or phrase of a text, or an
    # element of a list ("CTO" matches "CTO, co-founder", not "Contractor")
    contains: tuple[str, ...] | None = None
    # case-insensitive substring of a text (or of a list's element), for the
    # rare rule that really means part of a word
    contains_text: tuple[str, ...] | None = None

    @field_validator("contains", "contains_text", "in_", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return (value,) if isinstance(value, (str, int, float)) else value

    @model_validator(mode="after")
    def _one_condition(self) -> FitRule:
        given = [c for c in ("equals", "in_", "range", "contains", "contains_text") if getattr(self, c) is not None]
        if len(given) != 1:
            raise ValueError(f"rule {self.name!r}: needs exactly one of equals, in, range, contains, contains_text")
        return self


class Group(Strict):
    types: tuple[str, ...] = Field(min_length=1)
    cap: float = Field(gt=0)


class CountOnce(Strict):
    """Repeats of an activity type that earn points once: per value of a data
    key (each mail's opens), and, with `days`, once in any such period."""

    per: str | None = Field(default=None, pattern=_NAME.pattern)
    days: float | None = Field(default=None, gt=0)


def _count_once_defaults() -> dict[str, CountOnce]:
    # opening a mail again is no new interest; anyone can post anyone's
    # address to a form, so a form counts once a day at most
    return {"email_open": CountOnce(per="mail_id"), "form_submitted": CountOnce(per="form_id", days=1)}


class Engagement(Strict):
    points: dict[str, float] = {}
    # most points one type may contribute (after decay)
    caps: dict[str, float] = {}
    count_once: dict[str, CountOnce] = Field(default_factory=_count_once_defaults)
    groups: dict[str, Group] = {}
    total_cap: float | None = Field(default=None, gt=0)
    half_life_days: float = Field(default=30, gt=0)
    # activities older than this are left out (worth < 0.1 % at the default)
    window_days: float = Field(default=365, gt=0)

    @field_validator("points", "caps")
    @classmethod
    def _not_negative(cls, values: dict[str, float]) -> dict[str, float]:
        # negative signals belong in fit rules: decaying a negative value
        # would raise the score over time
        for name, value in values.items():
            if value < 0:
                raise ValueError(f"{name}: must not be negative")
        return values

    @model_validator(mode="after")
    def _groups_disjoint(self) -> Engagement:
        seen: dict[str, str] = {}
        for group, definition in self.groups.items():
            for kind in definition.types:
                if kind in seen:
                    raise ValueError(f"groups: {kind!r} is in both {seen[kind]!r} and {group!r}")
                seen[kind] = group
        for kind in self.caps:
            if kind not in self.points:
                raise ValueError(f"caps: {kind!r} earns no points")
        return self

    def data_keys(self) -> tuple[str, ...]:
        """The activity data the rules read (the store reads only these)."""
        return tuple(sorted({rule.per for rule in self.count_once.values() if rule.per}))

    def group_of(self, kind: str) -> str | None:
        return next((g for g, d in self.groups.items() if kind in d.types), None)


class Temperature(Strict):
    """Score bands: below warm is cold, from hot on hot."""

    warm: int = 30
    hot: int = 60

    @model_validator(mode="after")
    def _ordered(self) -> Temperature:
        if self.hot <= self.warm:
            raise ValueError("hot must be above warm")
        return self


class MqlThreshold(Strict):
    fit: int = 20
    engagement: int = 10


class SqlThreshold(Strict):
    score: int = 80
    # a hand-raiser activity makes an SQL at once if the fit reaches this
    # (None: any fit)
    hand_raiser_min_fit: int | None = None


class Stages(Strict):
    mql: MqlThreshold = MqlThreshold()
    sql: SqlThreshold = SqlThreshold()
    # sources anyone can post as anyone (a public form takes any address):
    # their points count in the score, never towards a stage
    unauthenticated_sources: tuple[Source, ...] = ("form",)


class Scoring(Strict):
    fit: tuple[FitRule, ...] = ()
    engagement: Engagement = Engagement()
    temperature: Temperature = Temperature()
    stages: Stages = Stages()

    @model_validator(mode="after")
    def _names(self) -> Scoring:
        names = [rule.name for rule in self.fit]
        for name in names:
            if not _NAME.match(name):
                raise ValueError(f"fit: rule name {name!r} must be lower_snake_case")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"fit: rule names must be unique ({', '.join(duplicates)})")
        return self

    def activity_types(self) -> set[str]:
        """Every activity type the scoring rules name."""
        named = set(self.engagement.points) | set(self.engagement.caps) | set(self.engagement.count_once)
        for group in self.engagement.groups.values():
            named |= set(group.types)
        return named
