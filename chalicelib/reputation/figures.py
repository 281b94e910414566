"""What the counters say, as plain data: the scopes one mail is counted in,
and the figures of a scope over some days.

A mail counts in `all` (the account, as SES measures it), in its kind
(`kind:opt_in`, `kind:nurture`, `kind:rep`, `kind:other`), for nurture in its
sequence (`sequence:<name>`), and in its recipient's provider
(`domain:gmail.com`, ..., else `domain:other`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

ALL = "all"
METRICS = ("sends", "hard_bounces", "soft_bounces", "complaints")

# the mail's SES `kind` tag -> the kind it is counted as; mails to the team
# (rep offers, SLA and manager notices) are all `rep`
_KINDS = {
    "opt_in": "opt_in",
    "nurture": "nurture",
    "rep_assignment": "rep",
    "sla_missed": "rep",
    "unassigned": "rep",
    "sending_guard": "rep",
}
KINDS = ("opt_in", "nurture", "rep", "other")

# the big mailbox providers, each counted on its own; any other domain is "other"
PROVIDER_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "aol.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
    }
)


def sequence_scope(sequence: str) -> str:
    return f"sequence:{sequence}"


def provider(address: str) -> str:
    domain = address.rsplit("@", 1)[-1].strip().lower()
    return domain if domain in PROVIDER_DOMAINS else "other"


def scopes_of(tags: Mapping[str, str], recipient: str) -> list[str]:
    kind = _KINDS.get(tags.get("kind", ""), "other")
    scopes = [ALL, f"kind:{kind}", f"domain:{provider(recipient)}"]
    if kind == "nurture" and tags.get("sequence"):
        scopes.append(sequence_scope(tags["sequence"]))
    return scopes


def attribute(scope: str, metric: str) -> str:
    """The counter's attribute on the day item."""
    return f"{scope}|{metric}"


def scopes_in(day: Mapping[str, object]) -> set[str]:
    return {name.rsplit("|", 1)[0] for name in day if "|" in name}


@dataclass(frozen=True)
class Figures:
    sends: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0

    @classmethod
    def of(cls, days: Iterable[Mapping[str, object]], scope: str) -> Figures:
        totals = {m: sum(int(day.get(attribute(scope, m), 0)) for day in days) for m in METRICS}
        return cls(**totals)

    @classmethod
    def from_dict(cls, raw: Mapping[str, object] | None) -> Figures:
        return cls(**{m: int((raw or {}).get(m, 0)) for m in METRICS})

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def __sub__(self, other: Figures) -> Figures:
        # never below zero: a baseline taken before late counts of its day
        return Figures(*(max(a - b, 0) for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, m) for m in METRICS)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def bounce_rate(self) -> float | None:
        """Hard bounces per send (SES counts only hard bounces)."""
        return self.hard_bounces / self.sends if self.sends else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.sends if self.sends else None
