"""What an accepted submission writes, decided on plain data.

A new address becomes a pending lead with a consent record, a `form_submitted`
activity and opt-in request no. 1 (the stream consumer mails it). A pending (or
unsubscribed) address that submits again has its profile merged and, outside
the resend cooldown and within the resend cap, gets a new opt-in request. A
confirmed lead keeps its profile as it is (the values a post offers that
differ stay on the activity), gets a consent record and an activity; no
second opt-in mail. Every path answers the client the same way.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..clock import epoch, iso
from ..playbook.forms import FormDefinition
from ..playbook.optin import CaptureLimits, DoubleOptIn
from .validation import Submission

PENDING = "pending"
CONFIRMED = "confirmed"
UNSUBSCRIBED = "unsubscribed"


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = max(1, int(retry_after))


class LeadChanged(Exception):
    """The lead is not as the write expected (created, changed or deleted
    meanwhile); `state` is how it stands now (None: not there)."""

    def __init__(self, state: LeadState | None):
        super().__init__("the lead changed meanwhile")
        self.state = state


@dataclass(frozen=True)
class RequestMeta:
    at: datetime
    ip: str | None = None
    user_agent: str | None = None
    page_url: str | None = None


@dataclass(frozen=True)
class LeadState:
    """The parts of a stored lead that decide what a new submission does."""

    lead_id: str
    status: str
    version: int
    profile: Mapping[str, Any]
    opt_in_requests: int
    opt_in_requested_at: datetime | None
    rate_window: int
    rate_count: int
    pending_items: int
    expires_at: int | None


@dataclass(frozen=True)
class ConsentRecord:
    sk_suffix: str
    form_id: str
    consent_text: str
    consent_version: str
    given_at: str
    ip: str | None
    user_agent: str | None
    page_url: str | None
    attribution: Mapping[str, str]


@dataclass(frozen=True)
class SignupWrite:
    lead_id: str
    email: str
    form_id: str
    locale: str
    timezone: str
    at: str
    status: str
    expected_version: int | None  # None: the lead must not exist yet
    profile: dict[str, Any]  # the merged profile
    attribution: Mapping[str, str]
    consent: ConsentRecord | None
    activity_data: dict[str, Any] | None
    opt_in_request: int | None  # number of the opt-in request to create
    rate_window: int
    rate_count: int
    # TTL of items written while unconfirmed, and of the lead itself while
    # it is pending (None: kept)
    pending_expires_at: int | None = None
    lead_expires_at: int | None = None
    is_new: bool = False


def rate_window(at: datetime, window_seconds: int) -> int:
    return epoch(at) // window_seconds * window_seconds


def plan_signup(
    lead_id: str,
    existing: LeadState | None,
    submission: Submission,
    form_id: str,
    form: FormDefinition,
    meta: RequestMeta,
    opt_in: DoubleOptIn,
    limits: CaptureLimits,
) -> SignupWrite:
    now = meta.at
    window = rate_window(now, limits.per_email.window_seconds)
    consent = ConsentRecord(
        sk_suffix=f"{iso(now)}#{secrets.token_hex(4)}",
        form_id=form_id,
        consent_text=form.consent.text,
        consent_version=form.consent.version,
        given_at=iso(now),
        ip=meta.ip,
        user_agent=meta.user_agent,
        page_url=meta.page_url,
        attribution=submission.attribution,
    )
    activity = {"form_id": form_id, **({"page_url": meta.page_url} if meta.page_url else {}), **submission.attribution}
    pending_until = epoch(now + timedelta(days=opt_in.pending_ttl_days))
    common = dict(
        lead_id=lead_id,
        email=submission.email,
        form_id=form_id,
        locale=form.locale,
        timezone=form.timezone,
        at=iso(now),
        attribution=submission.attribution,
    )

    if existing is None or (existing.expires_at is not None and existing.expires_at <= epoch(now)):
        return SignupWrite(
            **common,
            status=PENDING,
            is_new=True,
            expected_version=existing.version if existing else None,
            profile=dict(submission.profile),
            consent=consent,
            activity_data=activity,
            opt_in_request=existing.opt_in_requests + 1 if existing else 1,
            rate_window=window,
            rate_count=1,
            pending_expires_at=pending_until,
            lead_expires_at=pending_until,
        )

    count = existing.rate_count + 1 if existing.rate_window == window else 1
    if count > limits.per_email.limit:
        raise RateLimited(window + limits.per_email.window_seconds - epoch(now))
    given = {k: v for k, v in submission.profile.items() if v not in ("", None, [])}
    base = dict(
        common,
        expected_version=existing.version,
        rate_window=window,
        rate_count=count,
        status=existing.status,
    )

    if existing.status == CONFIRMED:
        # an unauthenticated post adds facts, never rewrites them. Not even an
        # empty field is filled: a job title, country or company size feeds fit
        # and routing, so a stranger could steer a lead's stage and rep with it.
        # What it offers that differs stays on its activity for reps to see.
        stored = existing.profile
        offered = {k: v for k, v in given.items() if stored.get(k) != v}
        data = {**activity, "offered_profile": offered} if offered else activity
        return SignupWrite(**base, profile=dict(stored), consent=consent, activity_data=data, opt_in_request=None)

    # awaiting confirmation (pending, or unsubscribed and signing up again):
    # items written now expire unless the address is confirmed
    resends_left = existing.opt_in_requests <= opt_in.max_resends
    cooled_down = existing.opt_in_requested_at is None or (
        now - existing.opt_in_requested_at >= timedelta(minutes=opt_in.resend_cooldown_minutes)
    )
    room_for_items = existing.pending_items < 2 * (opt_in.max_resends + 1)
    return SignupWrite(
        **base,
        profile={**existing.profile, **given},
        consent=consent if room_for_items else None,
        activity_data=activity if room_for_items else None,
        opt_in_request=existing.opt_in_requests + 1 if resends_left and cooled_down else None,
        pending_expires_at=pending_until,
        lead_expires_at=pending_until if existing.status == PENDING else None,
    )
