"""Is a tracking hit a person or a machine? Security gateways (Mimecast,
Proofpoint, Defender Safe Links, ...) fetch every link of a mail right after
delivery, and prefetchers load images; their hits are kept for the record
but earn no points."""

from __future__ import annotations

from datetime import datetime

from ..playbook.activities import Tracking


def automated(config: Tracking, user_agent: str | None, sent_at: datetime | None, at: datetime) -> str | None:
    """Why the hit looks automated, or None if it looks like a person."""
    if not user_agent or not user_agent.strip():
        return "no user agent"
    agent = user_agent.casefold()
    if any(fragment in agent for fragment in config.scanner_user_agents):
        return "scanner user agent"
    if sent_at is not None and (at - sent_at).total_seconds() < config.min_seconds_after_send:
        return "too soon after sending"
    return None
