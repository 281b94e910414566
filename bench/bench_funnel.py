"""The funnel report over 90 days with 100,000 leads stored: it reads only
counter items (one per day), so its time does not grow with the leads.

Counters and leads are written directly (batched), with the counters'
contents computed by the real counting rule (chalicelib/analytics/funnel.py)
from 100,000 simulated lead journeys; the report then runs through the real
service against the same moto server. Printed: items read by the report
against leads stored, and the report's time with no leads stored against
with 100,000 (a ratio near 1 means the leads cost it nothing). The absolute
time is moto's: it serialises each of the ~9,000 counter attribute values
slowly; DynamoDB returns 90 such items in one or two pages."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from .backend import moto_backend, percentile

LEADS = 100_000
DAYS = 90
ROUNDS = 20
START = datetime(2026, 8, 1, tzinfo=UTC)
SOURCES = ["google", "linkedin", "newsletter", "partner", ""]
CAMPAIGNS = ["spring", "webinar-q3", "retargeting", ""]
JOURNEY = ["subscriber", "lead", "mql", "sql"]
REACH = [1.0, 0.6, 0.25, 0.1]  # share of signups reaching each stage


def _counters() -> dict[tuple[str, str], dict[str, int]]:
    from chalicelib.analytics.funnel import Transition, attribution_of, day_of, increments

    rng = random.Random(8)
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for _ in range(LEADS):
        at = START + timedelta(seconds=rng.randrange(DAYS * 86400))
        attribution = attribution_of({"utm_source": rng.choice(SOURCES), "utm_campaign": rng.choice(CAMPAIGNS)}, "demo")
        previous = None
        for stage, reach in zip(JOURNEY, REACH, strict=True):
            if rng.random() > reach / (REACH[JOURNEY.index(previous)] if previous else 1):
                break
            seconds = rng.expovariate(1 / 86400) if previous else None
            at += timedelta(seconds=seconds or 0)
            add(totals, day_of(at), increments(Transition(at, previous, stage, seconds, attribution)))
            previous = stage
    return totals


def add(totals: dict, day: str, increments: dict[str, dict[str, int]]) -> None:
    """Sum one event's counter increments into the simulated day items."""
    for key, added in increments.items():
        counter = totals.setdefault((key, day), {})
        for name, n in added.items():
            counter[name] = counter.get(name, 0) + n


def _write(dynamodb, items: list[dict]) -> None:
    def batch(chunk):
        requests = [{"PutRequest": {"Item": item}} for item in chunk]
        while requests:
            requests = (
                dynamodb.batch_write_item(RequestItems={"leadflow": requests})
                .get("UnprocessedItems", {})
                .get("leadflow", [])
            )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(batch, [items[n : n + 25] for n in range(0, len(items), 25)]))


def _lead(n: int) -> dict:
    lead_id = f"bench{n:07d}"
    return {
        "pk": {"S": f"LEAD#{lead_id}"},
        "sk": {"S": "LEAD"},
        "lead_id": {"S": lead_id},
        "email": {"S": f"{lead_id}@example.com"},
        "status": {"S": "confirmed"},
        "stage": {"S": "lead"},
        "score": {"N": str(n % 100)},
        "form_id": {"S": "demo"},
        "created_at": {"S": START.isoformat()},
        "version": {"N": "1"},
    }


def _time_reports(report, query) -> list[float]:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        report(query)
        samples.append(time.perf_counter() - start)
    return samples


def store_counters(dynamodb, totals: dict) -> None:
    from chalicelib.storage.funnel import DAY_PREFIX, FUNNEL_PREFIX

    started = time.perf_counter()
    counters = [
        {
            "pk": {"S": FUNNEL_PREFIX + key},
            "sk": {"S": DAY_PREFIX + day},
            **{name: {"N": str(n)} for name, n in added.items()},
        }
        for (key, day), added in totals.items()
    ]
    _write(dynamodb, counters)
    print(f"{len(counters)} counter items from {LEADS} simulated journeys in {time.perf_counter() - started:.1f} s")


def with_and_without_leads(dynamodb, report, query) -> tuple[list[float], list[float]]:
    """The report's times with no lead stored, then with LEADS stored."""
    report(query)  # warm: clients built, as in a warm Lambda
    without_leads = _time_reports(report, query)
    started = time.perf_counter()
    _write(dynamodb, [_lead(n) for n in range(LEADS)])
    print(f"{LEADS} leads stored in {time.perf_counter() - started:.1f} s")
    return without_leads, _time_reports(report, query)


def print_ratios(without_leads: list[float], with_leads: list[float]) -> None:
    for p in (50, 95):
        a, b = percentile(without_leads, p), percentile(with_leads, p)
        print(f"p{p}: report {a * 1000:.1f} ms with no leads, {b * 1000:.1f} ms with {LEADS} leads, ratio {b / a:.2f}x")


QUERY = {"from": START.date().isoformat(), "to": (START + timedelta(days=DAYS - 1)).date().isoformat()}


def main() -> None:
    with moto_backend() as dynamodb:
        from chalicelib.wiring import services

        store_counters(dynamodb, _counters())
        funnel = services().funnel
        without_leads, with_leads = with_and_without_leads(dynamodb, funnel.report, QUERY)
        filtered = funnel.report({**QUERY, "source": "google", "campaign": "spring"})

        report = funnel.report(QUERY)
        print(
            f"items read by the report: {report['counter_items_read']} counters (+ spend entries) "
            f"for {DAYS} days; leads stored: {LEADS}; filtered report: {filtered['counter_items_read']} counters"
        )
        print(f"signups counted {report['stages'][0]['entered']}, sql {report['stages'][3]['entered']}")
        print_ratios(without_leads, with_leads)


if __name__ == "__main__":
    main()
