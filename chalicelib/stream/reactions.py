"""Which stream changes lead to what. Each reaction is idempotent and ignores
the consumer's own writes by looking only at the changes it is for."""
from __future__ import annotations

from ..storage.models import OPT_IN_PREFIX
from .changes import Change
from .consumer import Reaction


def _new_opt_in_request(change: Change) -> bool:
    return change.event == "INSERT" and change.sk.startswith(OPT_IN_PREFIX)


def reactions(services) -> list[Reaction]:
    def send_opt_in(change: Change):
        return services.opt_in.send_requested_mail(change.new["lead_id"], change.new["request_id"])

    return [Reaction("opt-in mail", _new_opt_in_request, send_opt_in)]
