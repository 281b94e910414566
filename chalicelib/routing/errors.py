class NoEligibleRep(Exception):
    """Nobody (else) can take the lead: no pool rep, no fallback, no default
    owner. The router turns it into an unassigned or overdue assignment; it
    never reaches a caller."""


class NoOpenAssignment(LookupError):
    """The lead has no open assignment (never routed, or closed)."""


class OfferNotCurrent(Exception):
    """The link's offer was taken back, reassigned or already answered."""


class NotAccepted(Exception):
    """An outcome needs the assignment accepted first."""


class RepRefused(Exception):
    """A manager's chosen rep cannot take the lead: `reason` is a catalogue
    Reason (unknown_rep, rep_out_of_office, rep_at_capacity)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
