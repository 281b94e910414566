"""May we mail this lead? The one rule every sender asks right before it
calls SES (opt-in mail, nurture, and any mail to come), so an unsubscribe, a
bounce, a complaint or an erasure stops all mail at once.

Plain data: `lead` is anything with `status` and `suppressed` (the stored
lead item qualifies), or None when there is no lead (erased: erasure deletes
the partition and keeps only the address's suppression entry; or expired).
`address_suppressed` is whether the address has a suppression entry of its
own, which outlives the lead: a sender that mails an address that may be new
(the opt-in mail after a re-signup) must look it up and pass it.
"""

from __future__ import annotations

OPT_IN = "opt_in"  # the confirmation request of double opt-in
MARKETING = "marketing"  # everything that needs a confirmed opt-in: nurture, newsletters, ...

KINDS = (OPT_IN, MARKETING)


def mail_refusal(lead, kind: str, address_suppressed: bool = False) -> str | None:
    """Why this lead must not get mail of this kind, or None if it may."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of mail: {kind!r}")
    if lead is None:
        return "lead gone"
    if lead.suppressed or address_suppressed:
        return "suppressed"
    if kind == OPT_IN:
        # pending, or unsubscribed and signing up again: a fresh double opt-in
        return "already confirmed" if lead.status == "confirmed" else None
    if lead.status == "unsubscribed":
        return "unsubscribed"
    if lead.status != "confirmed":
        return "not confirmed"
    return None


def may_mail(lead, kind: str, address_suppressed: bool = False) -> bool:
    return mail_refusal(lead, kind, address_suppressed) is None
