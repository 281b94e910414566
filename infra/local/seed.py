"""The local stack's demo sales team: reps from a file (LEADFLOW_SEED: unset
or `demo` for infra/local/demo_team.yaml, `none` for none, else a path),
validated as PUT /reps/{rep_id} would and stored through the same adapter,
so a fresh `make run` routes SQLs to people. `demo` (`make demo`) also fills
the stack with a month of leads (infra/local/demo_month.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

DEMO_TEAM = Path(__file__).resolve().parent / "demo_team.yaml"


def team_file(env: Mapping[str, str]) -> Path | None:
    choice = env.get("LEADFLOW_SEED") or "demo"
    if choice == "none":
        return None
    return DEMO_TEAM if choice == "demo" else Path(choice)


def wants_demo_month(env: Mapping[str, str]) -> bool:
    return env.get("LEADFLOW_SEED") == "demo"


def seed_team(services, path: Path) -> list:
    """Creates or replaces each rep of the file; returns the stored reps.
    Raises SystemExit naming a bad entry (the stack must not start half-set)."""
    from pydantic import ValidationError

    from chalicelib.clock import iso
    from chalicelib.routing.reps import REP_ID, RepInput

    reps = (yaml.safe_load(path.read_text()) or {}).get("reps") or {}
    store, at = services.routing_store, iso(services.clock.now())
    for rep_id, body in reps.items():
        try:
            if not REP_ID.match(rep_id):
                raise ValueError("rep ids are lower-case letters, digits, - and _")
            store.put_rep(rep_id, RepInput.model_validate(body).stored(), at)
        except (ValidationError, ValueError) as error:
            raise SystemExit(f"{path}: rep {rep_id!r}: {error}") from None
    return [store.rep(rep_id) for rep_id in reps]


def describe(reps: list, routing) -> list[str]:
    """The banner's lines about the team."""
    if not reps:
        return ["  Sales team    none (LEADFLOW_SEED=none): SQLs stay unassigned until reps are added"]
    lines = []
    for n, rep in enumerate(reps):
        pools = ", ".join(rep.pools) or f"{routing.fallback_pool} (fallback)"
        lines.append(
            f"  {'Sales team' if n == 0 else '':<14}{rep.rep_id} <{rep.email}>, pools: {pools}, capacity {rep.capacity}"
        )
    owner = routing.default_owner
    missing = "" if any(rep.rep_id == owner for rep in reps) else " (not a rep: SQLs it should take stay unassigned)"
    lines.append(f"  Default owner {owner or 'none'}{missing}")
    return lines
