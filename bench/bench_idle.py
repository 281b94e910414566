"""An idle local stack: the CPU time `python -m infra.local` uses over 10 s
without traffic (after 10 s of quiet following start-up), as a share of one
core (goal: under 3 %). Read from /proc, so Linux only."""

import os
import tempfile
import time
from pathlib import Path

from infra.local.launch import start_stack

SETTLE_SECONDS = 10
MEASURE_SECONDS = 10


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_share() -> float:
    with tempfile.TemporaryDirectory() as folder:
        stack = start_stack(Path(folder) / "stack.log")
        try:
            time.sleep(SETTLE_SECONDS)
            before, started = cpu_seconds(stack.process.pid), time.monotonic()
            time.sleep(MEASURE_SECONDS)
            return (cpu_seconds(stack.process.pid) - before) / (time.monotonic() - started)
        finally:
            stack.stop()


def main() -> None:
    print(f"idle local stack over {MEASURE_SECONDS} s: {idle_share() * 100:.1f} % of one core (goal < 3 %)")


if __name__ == "__main__":
    main()
