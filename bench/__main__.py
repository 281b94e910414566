"""`make bench`: runs every bench/bench_*.py module's main() in turn. Each
prints ratios measured within one run (never absolute thresholds).

Each benchmark runs in a process of its own: one that talked to a moto
server leaves clients (PynamoDB's connections among them) bound to it, and
the next one, on in-process moto, would measure an empty server instead.
A failing benchmark is reported and the rest still run."""

import pkgutil
import subprocess
import sys
from pathlib import Path


def main(selected: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    failed = []
    for name in names:
        if selected and not any(s in name for s in selected):
            continue
        print(f"== {name}", flush=True)
        run = subprocess.run([sys.executable, "-c", f"import bench.{name} as b; b.main()"], cwd=here.parent)
        if run.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
