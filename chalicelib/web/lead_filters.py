"""The lead list's filters from a query string (console and JSON API alike):
temperature, and the lead's source / campaign (its utm_source / utm_campaign)."""

from __future__ import annotations

from .http import HttpProblem

TEMPERATURES = ("cold", "warm", "hot")
LONGEST = 100  # what a form stores of an attribution value at most


def list_filters(query: dict) -> dict[str, str]:
    """The filters asked for (absent or empty: not filtered). Raises
    HttpProblem 400 naming the bad one."""
    filters = {
        name: query[name].strip() for name in ("temperature", "source", "campaign") if query.get(name, "").strip()
    }
    if filters.get("temperature", "cold") not in TEMPERATURES:
        raise HttpProblem(400, {"temperature": f"must be one of {', '.join(TEMPERATURES)}"})
    for name in ("source", "campaign"):
        value = filters.get(name, "")
        if len(value) > LONGEST or not value.isprintable():
            raise HttpProblem(400, {name: f"must be printable text of at most {LONGEST} characters"})
    return filters
