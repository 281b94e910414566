"""Scoring applied to stored leads: the stream reaction's rescore, the decay
job, and the sales-outcome entry point (the routing side calls it).

Every write is guarded by the lead's version: on a conflict (another
activity, a profile edit, a decay run got there first) the lead is read and
scored again, so the final score includes every activity. Recomputing is a
pure function of what is stored, so a redelivered record finds nothing to
change and writes nothing."""

from __future__ import annotations

from ..storage.errors import UnknownLead, VersionConflict
from .plan import CONFIRMED, plan_rescore, plan_sales_outcome, scoring_window_start
from .stages import StageChange

_ATTEMPTS = 5


class Scorer:
    def __init__(self, playbook, store, clock, shards: int):
        self._playbook = playbook
        self._store = store
        self._clock = clock
        self._shards = shards

    def rescore(self, lead_id: str) -> str:
        """Bring one lead's score, temperature and stage up to date; returns
        what happened (for the log)."""
        for _ in range(_ATTEMPTS):
            now = self._clock.now()
            lead = self._store.lead(lead_id)
            if lead is None:
                return "no such lead"
            # pending signups are not scored: no need to read their activities
            activities = (
                self._store.activities(
                    lead_id, scoring_window_start(self._playbook, now), self._playbook.scoring.engagement.data_keys()
                )
                if lead.status == CONFIRMED
                else []
            )
            write = plan_rescore(lead, activities, self._playbook, now)
            if write is None:
                return "unchanged"
            try:
                self._store.write(lead, write)
            except VersionConflict:
                continue
            if write.score is None:
                return "left the rescore index"
            moved = f", {write.stage_change.from_stage} -> {write.stage_change.to_stage}" if write.stage_change else ""
            return f"score {write.score.total} ({write.score.temperature}){moved}"
        raise VersionConflict(f"lead kept changing during {_ATTEMPTS} attempts")

    def rescore_due(self, limit: int = 1000) -> dict[str, int]:
        """The decay job: leads whose rounded score has decayed, found
        through the sparse rescore index (never a scan).
        Bounded per run; the rest are still due on the next run."""
        now = self._clock.now()
        done = {"rescored": 0, "unchanged": 0}
        for shard in range(self._shards):
            room = limit - sum(done.values())
            if room <= 0:
                break
            for lead_id in self._store.due(shard, now, room):
                done["unchanged" if self.rescore(lead_id) == "unchanged" else "rescored"] += 1
        return done

    def record_sales_outcome(self, lead_id: str, outcome: str, note: str = "") -> StageChange:
        """The one way past sql or back to nurture: `opportunity`, `won` or
        `recycle`. Raises UnknownLead, InvalidOutcome."""
        for _ in range(_ATTEMPTS):
            lead = self._store.lead(lead_id)
            if lead is None:
                raise UnknownLead(lead_id)
            write = plan_sales_outcome(lead, outcome, note, self._clock.now())
            try:
                self._store.write(lead, write)
            except VersionConflict:
                continue
            return write.stage_change
        raise VersionConflict(f"lead kept changing during {_ATTEMPTS} attempts")
