class VersionConflict(Exception):
    """The lead changed since it was read (optimistic locking)."""


class UnknownLead(LookupError):
    """No lead with that id (never was, erased, or expired unconfirmed)."""
