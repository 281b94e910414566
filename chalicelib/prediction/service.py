"""The prediction applied to stored leads: counting a closing outcome (the
stream reaction), undoing it on erasure, the lead's prediction when its
facts change, the refresh of open leads once the counters have moved, and
the weekly rebuild of the counters from the counted outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clock import iso
from ..storage.errors import VersionConflict
from .facts import lead_facts
from .model import (
    CLASS_OF_OUTCOME,
    PREDICTED,
    Contribution,
    Counts,
    calibration_deltas,
    calibration_table,
    counted,
    deltas,
    difference,
    predict,
)

_ATTEMPTS = 5
# stages whose leads are still open: their predictions are worth refreshing
OPEN_STAGES = ("lead", "mql", "sql", "opportunity")


def _kinds(items: list[Mapping[str, Any]]) -> tuple[dict | None, list, list]:
    lead = next((i for i in items if i["sk"] == "LEAD"), None)
    activities = [i for i in items if i["sk"].startswith("ACT#")]
    changes = [i for i in items if i["sk"].startswith("STAGE#")]
    return lead, activities, changes


def _contribution(record: Mapping[str, Any] | None) -> Contribution | None:
    return Contribution(record["label"], dict(record["facts"])) if record else None


class Predictor:
    def __init__(self, playbook, store, clock, lead_ids_in_stage=None):
        self._playbook = playbook
        self._config = playbook.prediction
        self._store = store
        self._clock = clock
        # (stage, limit, start) -> (lead ids, next start): the refresh's walk
        self._lead_ids_in_stage = lead_ids_in_stage
        self._model: tuple[Counts, int] | None = None

    def _facts(self, lead, activities, changes) -> dict[str, str]:
        return lead_facts(lead, activities, changes, self._config, self._playbook.scoring)

    # --- counting (stream reaction, erasure) -----------------------------
    def count_outcome(self, lead_id: str, assignment: str, outcome: str, at: str) -> str:
        """Count a closing outcome, replacing what the lead's earlier one
        counted (a recycled lead that wins later). Idempotent: the outcome
        already counted, or one older than it, changes nothing."""
        label = CLASS_OF_OUTCOME.get(outcome)
        if label is None:
            return f"{outcome}: not a closing outcome"
        for _ in range(_ATTEMPTS):
            old = self._store.counted_outcome(lead_id)
            if old is not None and (old["assignment"], old["outcome"]) == (assignment, outcome):
                return "already counted"
            if old is not None and (old["outcome_at"], old["assignment"]) > (at, assignment):
                return "older than the outcome counted"
            lead, activities, changes = _kinds(self._store.partition(lead_id))
            if lead is None:
                return "no such lead"
            facts = self._facts(lead, activities, changes)
            new = {"label": label, "outcome": outcome, "assignment": assignment, "outcome_at": at, "facts": facts}
            shown = lead.get("prediction") or {}
            if shown.get("status") == PREDICTED:
                new["predicted_band"] = shown["band"]  # for the calibration table
            change = deltas(_contribution(old), Contribution(label, facts))
            if self._store.count(lead_id, old, new, change, calibration_deltas(old, new)):
                return f"counted {label}" if old is None else f"{old['label']} -> {label}"
        raise VersionConflict(f"the lead's counted outcome kept changing during {_ATTEMPTS} attempts")

    def release_prediction(self, lead_id: str) -> int:
        """Takes the lead's contribution out of the counters before its
        partition is deleted; returns 1 if there was one."""
        for _ in range(_ATTEMPTS):
            old = self._store.counted_outcome(lead_id)
            if old is None:
                return 0
            if self._store.count(lead_id, old, None, deltas(_contribution(old), None), calibration_deltas(old, None)):
                return 1
        raise VersionConflict(f"the lead's counted outcome kept changing during {_ATTEMPTS} attempts")

    # --- a lead's prediction ---------------------------------------------
    def model(self) -> Counts:
        """The counters, read again only when their seq moved (one GetItem)."""
        seq = self._store.seq()
        if self._model is None or self._model[1] != seq:
            self._model = self._store.model()
        return self._model[0]

    def prediction(self, facts: Mapping[str, str], counts: Counts) -> dict[str, Any]:
        config = self._config
        return predict(facts, counts, smoothing=config.smoothing, min_outcomes=config.min_outcomes, bands=config.bands)

    def refresh(self, lead_id: str) -> str:
        """Bring a scored lead's prediction up to date with its facts and
        the counters; writes nothing when it already is."""
        for _ in range(_ATTEMPTS):
            lead, activities, changes = _kinds(self._store.partition(lead_id))
            if lead is None or lead.get("score") is None:
                return "not scored"
            shown = self.prediction(self._facts(lead, activities, changes), self.model())
            stored = dict(lead.get("prediction") or {})
            stored.pop("predicted_at", None)
            if stored == shown:
                return "unchanged"
            try:
                self._store.write_prediction(
                    lead_id, lead["version"], {**shown, "predicted_at": iso(self._clock.now())}
                )
            except VersionConflict:
                continue
            return f"{shown['status']} {shown.get('probability', '')}".strip()
        raise VersionConflict(f"lead kept changing during {_ATTEMPTS} attempts")

    def refresh_due(self, limit: int = 500) -> dict[str, Any]:
        """The rescore job's part: once `refresh_share` of the closed leads
        were counted since the last refresh (or the model just reached
        `min_outcomes`), walk the open stages' leads through the lead list's
        index, `limit` per run, resuming where the last run stopped."""
        counts, seq = self._store.model()
        state = dict(self._store.refresh_state())
        walking = state.get("stage") is not None
        if not walking:
            since = seq - state.get("seq", 0)
            crossed = (counts.closed >= self._config.min_outcomes) != bool(state.get("enough"))
            if not crossed and since <= self._config.refresh_share * max(counts.closed, 1):
                return {"refreshed": 0, "moved": since}
            state = {
                "stage": OPEN_STAGES[0],
                "start": None,
                "seq": seq,
                "enough": counts.closed >= self._config.min_outcomes,
            }
        done = 0
        while state["stage"] is not None and done < limit:
            lead_ids, start = self._lead_ids_in_stage(state["stage"], limit - done, state.get("start"))
            for lead_id in lead_ids:
                self.refresh(lead_id)
            done += len(lead_ids)
            if start is None:
                later = OPEN_STAGES.index(state["stage"]) + 1
                state.update(stage=OPEN_STAGES[later] if later < len(OPEN_STAGES) else None, start=None)
            else:
                state["start"] = start
        self._store.save_refresh_state(state)
        return {"refreshed": done, "walk": "done" if state["stage"] is None else "continues"}

    def calibration(self, first: str, last: str) -> list[dict]:
        """Predicted band against the won share of the leads closed from
        `first` to `last` (dates; one day counter each)."""
        return calibration_table(self._store.calibration_days(first, last), self._config.bands)

    # --- the weekly rebuild ----------------------------------------------
    def rebuild(self) -> dict[str, Any]:
        """Recompute the counters from the counted outcomes (through their
        index, never the table) and correct any counter that drifted. An
        outcome counted meanwhile makes it try again."""
        for _ in range(_ATTEMPTS):
            current, seq = self._store.model()
            rebuilt = counted(Contribution(label, facts) for label, facts in self._store.outcomes())
            correction = difference(rebuilt, current)
            if correction.prior == (0, 0) and not correction.values:
                return {"outcomes": rebuilt.closed, "corrected": 0}
            if self._store.correct(correction, seq):
                return {"outcomes": rebuilt.closed, "corrected": len(correction.values) + (correction.prior != (0, 0))}
        raise VersionConflict(f"outcomes kept arriving during {_ATTEMPTS} rebuild attempts")
