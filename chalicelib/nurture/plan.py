"""Nurture rules on plain data: who joins and leaves which sequence, which
step is due when, and when a mail may go out (quiet hours in the lead's time
zone, a frequency cap across all sequences). No storage, no SES.

A lead's nurture state is one small map per sequence it ever joined:
`step` (the next step to send), `enrolled_at`, and `ended` (why it left:
completed, a stage, unsubscribed, suppressed). A sequence is joined once;
an ended one is never rejoined, so a recycled or re-confirmed lead does not
get the same welcome mails again. Step delays count from enrolment; when the
send window or the cap pushes a step back, later steps keep their own dates
and the cap keeps them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..consent.permission import MARKETING, mail_refusal
from ..playbook.nurture import Nurture, QuietHours, Sequence
from ..scoring.stages import rank

COMPLETED = "completed"


@dataclass(frozen=True)
class SequenceState:
    step: int
    enrolled_at: datetime
    ended: str | None = None


@dataclass(frozen=True)
class NurtureLead:
    """What the rules need of a lead (the store builds it from the item)."""

    lead_id: str
    status: str
    suppressed: bool
    stage: str
    form_id: str
    locale: str
    timezone: str
    profile: Mapping[str, Any]
    sequences: Mapping[str, SequenceState] = field(default_factory=dict)
    # nurture mails sent within the frequency cap's window, oldest first
    recent: tuple[datetime, ...] = ()
    due_at: datetime | None = None
    recycled_at: str | None = None  # when sales last sent the lead back to nurture


@dataclass(frozen=True)
class Due:
    sequence: str
    step: int
    at: datetime


@dataclass(frozen=True)
class Plan:
    """The nurture state to store and the next send, if any."""

    sequences: Mapping[str, SequenceState]
    recent: tuple[datetime, ...]
    next: Due | None

    def differs_from(self, lead: NurtureLead) -> bool:
        due_at = self.next.at if self.next else None
        return (dict(self.sequences), self.recent, due_at) != (dict(lead.sequences), lead.recent, lead.due_at)


def zone(name: str | None) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _profile_matches(profile: Mapping[str, Any], wanted: Mapping[str, tuple[str, ...]]) -> bool:
    for name, allowed in wanted.items():
        value = profile.get(name)
        values = value if isinstance(value, (list, tuple, set)) else [value]
        if not any(str(v) in allowed for v in values if v is not None):
            return False
    return True


def qualifies(lead: NurtureLead, sequence: Sequence) -> bool:
    """Whether the lead meets the sequence's enrolment conditions now."""
    enrol = sequence.enrol
    return (
        lead.stage in enrol.stages
        and rank(lead.stage) < rank(sequence.exit.stage_at_least)
        and (not enrol.forms or lead.form_id in enrol.forms)
        and (not enrol.locales or lead.locale in enrol.locales)
        and _profile_matches(lead.profile, enrol.profile)
        and (enrol.recycled is None or enrol.recycled == (lead.recycled_at is not None))
    )


def exit_reason(lead: NurtureLead, sequence: Sequence) -> str | None:
    refusal = mail_refusal(lead, MARKETING)
    if refusal:
        return refusal
    if rank(lead.stage) >= rank(sequence.exit.stage_at_least):
        return f"stage {lead.stage}"
    return None


def outside_quiet_hours(at: datetime, tz, quiet: QuietHours) -> datetime:
    """The earliest moment from `at` on that is not in the quiet hours."""
    if quiet.start == quiet.end:
        return at
    local = at.astimezone(tz)
    now = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside, end_day = quiet.start <= now < quiet.end, local.date()
    else:  # spans midnight
        inside = now >= quiet.start or now < quiet.end
        end_day = local.date() + timedelta(days=1) if now >= quiet.start else local.date()
    if not inside:
        return at
    return datetime.combine(end_day, quiet.end, tzinfo=tz).astimezone(UTC)


def cap_free_at(recent: tuple[datetime, ...], nurture: Nurture) -> datetime | None:
    """When the frequency cap lets the next mail go (None: now)."""
    cap = nurture.frequency_cap
    if len(recent) < cap.mails:
        return None
    return sorted(recent)[-cap.mails] + timedelta(hours=cap.per_hours)


def _within_window(recent: tuple[datetime, ...], nurture: Nurture, now: datetime) -> tuple[datetime, ...]:
    since = now - timedelta(hours=nurture.frequency_cap.per_hours)
    return tuple(sorted(t for t in recent if t > since))


def next_due(
    lead: NurtureLead, sequences: Mapping[str, SequenceState], recent: tuple[datetime, ...], nurture: Nurture
) -> Due | None:
    """The next step of any running sequence, at the first moment it may go."""
    candidates = []
    for order, (name, definition) in enumerate(nurture.sequences.items()):
        state = sequences.get(name)
        if state is None or state.ended or state.step >= len(definition.steps):
            continue
        at = state.enrolled_at + timedelta(days=definition.steps[state.step].delay_days)
        candidates.append((at, order, name, state.step))
    if not candidates:
        return None
    at, _, name, step = min(candidates)
    free = cap_free_at(recent, nurture)
    if free and free > at:
        at = free
    return Due(name, step, outside_quiet_hours(at, zone(lead.timezone), nurture.quiet_hours))


def plan(lead: NurtureLead, nurture: Nurture, now: datetime) -> Plan:
    """Join the sequences the lead now qualifies for, leave those it must
    leave, and work out the next send. Idempotent: planning the result again
    changes nothing."""
    sequences = dict(lead.sequences)
    for name, definition in nurture.sequences.items():
        state = sequences.get(name)
        if state is None:
            if exit_reason(lead, definition) is None and qualifies(lead, definition):
                sequences[name] = SequenceState(step=0, enrolled_at=now)
        elif not state.ended:
            reason = exit_reason(lead, definition)
            if reason:
                sequences[name] = replace(state, ended=reason)
    recent = _within_window(lead.recent, nurture, now)
    return Plan(sequences, recent, next_due(lead, sequences, recent, nurture))


def at_send_time(planned: Plan, lead: NurtureLead, nurture: Nurture, now: datetime) -> Plan:
    """A step that came due earlier (a late tick, a stale index entry) still
    waits while the lead's quiet hours last now."""
    due = planned.next
    if due is None or due.at > now:
        return planned
    window = outside_quiet_hours(now, zone(lead.timezone), nurture.quiet_hours)
    return planned if window == now else replace(planned, next=replace(due, at=window))


def after_send(lead: NurtureLead, sent: Due, nurture: Nurture, at: datetime) -> Plan:
    """The state once `sent` went out (or was given up) at `at`: the
    sequence moves to its next step, and the mail counts toward the cap."""
    sequences = dict(lead.sequences)
    state = sequences[sent.sequence]
    if state.step == sent.step:  # else: moved on already (a repeated call)
        following = sent.step + 1
        done = following >= len(nurture.sequences[sent.sequence].steps)
        sequences[sent.sequence] = replace(state, step=following, ended=COMPLETED if done else state.ended)
    recent = _within_window(tuple(t for t in lead.recent if t != at) + (at,), nurture, at)
    return Plan(sequences, recent, next_due(lead, sequences, recent, nurture))
