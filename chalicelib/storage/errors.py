class LeadExists(Exception):
    """The lead was created by someone else since it was read."""


class VersionConflict(Exception):
    """The lead changed since it was read (optimistic locking)."""


class UnknownLead(LookupError):
    """No lead with that id (never was, erased, or expired unconfirmed)."""
