"""The overview's sending part, from the deliverability report (the same
service as `GET /reports/deliverability`): what is paused, since when and
why, the guard's current window, and the bounces and complaints the day
counters hold for the range. The admin's resume goes through the JSON API's
own check (`POST /sending/resume`)."""

from __future__ import annotations

from typing import Any

from ...reputation.figures import ALL, METRICS
from ..deliverability import resume_sending
from ..http import HttpProblem
from .render import see_other

SEQUENCE = "sequence:"


def sending_state(report: dict[str, Any]) -> dict[str, Any]:
    """Unsubscribes and the suppression list's size have no counter: they
    would need a scan, so they are not shown."""
    totals = {metric: sum(day["all"][metric] for day in report["days"]) for metric in METRICS}
    return {"paused": report["paused"], "current": report["current"], "totals": totals}


def resume(request):
    """POST /console/sending/resume, fields `scope` (a paused scope) and `reason`."""
    if request.item != "resume" or request.action is not None:
        raise HttpProblem(404, {"path": "no such action"})
    scope = request.field("scope")
    resume_sending(request.services, request.field("reason"), None if scope == ALL else scope.removeprefix(SEQUENCE))
    return see_other("/console/overview")
