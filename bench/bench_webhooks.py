"""Slow CRM webhooks against the opt-in mail: submit -> opt-in mail in the
mailbox over 40 signups on the local stack, each followed by confirming it
(2 webhook events a confirmation, subscribed by a local stand-in CRM), with
the CRM answering at once, in 3 s, and never (held past the 5 s timeout).
Printed: p50 / p95 per case and their ratio to the prompt CRM's (goal ~1x:
the webhooks wait in their own queue)."""

import re
import statistics
import tempfile
import time
from pathlib import Path

import requests

from infra.local.crm_receiver import SECRET_VARIABLE, CrmReceiver, subscribed_playbook
from infra.local.launch import start_stack

from .bench_local_stack import submit_to_mail

SIGNUPS = 40
CASES = {"answers at once": 0, "answers in 3 s": 3, "hangs": 600}


def latencies(delay: float, folder: Path) -> tuple[list[float], int]:
    with CrmReceiver(delay=delay) as crm:
        playbook = subscribed_playbook(folder / "playbook.yaml", crm.url, timeout_seconds=5, retry_seconds=60)
        stack = start_stack(
            folder / "stack.log", LEADFLOW_PLAYBOOK=str(playbook), **{SECRET_VARIABLE: "bench-crm-secret-0123456789"}
        )
        try:
            samples = []
            token = stack.render_token()  # reused: valid for a day
            for number in range(SIGNUPS):
                if number % 25 == 0:  # past the playbook's per-IP limit (30 an hour, all from loopback)
                    requests.post(f"{stack.api}/_local/clock", json={"advance_seconds": 3600}, timeout=10)
                seconds, mail = submit_to_mail(stack.api, token)
                samples.append(seconds)
                link = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", mail["text"]).group(0)
                requests.post(link, allow_redirects=False, timeout=10)
            return sorted(samples), len(crm.bodies)
        finally:
            stack.stop()


def main() -> None:
    results = {}
    for case, delay in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            started = time.monotonic()
            results[case] = latencies(delay, Path(folder))
            print(f"  ({case}: {time.monotonic() - started:.0f} s, {results[case][1]} webhook posts received)")
    base = results["answers at once"][0]
    for case, (samples, _) in results.items():
        p50, p95 = statistics.median(samples), samples[int(0.95 * len(samples)) - 1]
        print(
            f"CRM {case}: submit -> opt-in mail p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
            f"ratio to a prompt CRM p50 {p50 / statistics.median(base):.2f}x, "
            f"p95 {p95 / base[int(0.95 * len(base)) - 1]:.2f}x"
        )


if __name__ == "__main__":
    main()
