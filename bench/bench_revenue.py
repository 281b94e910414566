"""The revenue report over 90 days with 100,000 leads stored: like the funnel
report it reads only the day counter items (the same ones: revenue counts
live on the funnel's items), so its time does not grow with the leads.

The counters come from the real counting rules: the funnel's 100,000
simulated journeys (bench_funnel) plus sales events for one lead in ten
(offers accepted or declined; won one-off or recurring, in EUR and USD;
lost and disqualified with reasons), and campaign spend. The report then
runs through the real service against the same moto server, first with no
lead stored, then with 100,000. Printed: items read, and the ratio of the
two times (near 1: the leads cost it nothing)."""

from __future__ import annotations

import random
from datetime import timedelta

from .backend import moto_backend
from .bench_funnel import (
    CAMPAIGNS,
    DAYS,
    LEADS,
    QUERY,
    SOURCES,
    START,
    _counters,
    add,
    print_ratios,
    store_counters,
    with_and_without_leads,
)

SALES_SHARE = 0.1
REASONS = ["no_budget", "no_fit", "competitor", "no_response", "bad_data"]


def _deal(rng: random.Random) -> dict:
    deal = {"value": f"{rng.randrange(50_000, 5_000_000) / 100:.2f}", "currency": rng.choice(["EUR", "EUR", "USD"])}
    if rng.random() < 0.4:
        deal.update(recurring=rng.choice(["monthly", "yearly"]), expected_months=rng.choice([12, 24, 36]))
    return deal


def _sales(totals: dict) -> None:
    """Sales events for a tenth of the leads, added to the funnel's totals."""
    from chalicelib.analytics.funnel import attribution_of, day_of
    from chalicelib.analytics.revenue import SalesEvent, increments

    rng = random.Random(18)
    for _ in range(int(LEADS * SALES_SHARE)):
        signed_up = START + timedelta(seconds=rng.randrange(DAYS * 86400 // 2))
        attribution = attribution_of({"utm_source": rng.choice(SOURCES), "utm_campaign": rng.choice(CAMPAIGNS)}, "demo")
        at = signed_up + timedelta(seconds=rng.expovariate(1 / (7 * 86400)))
        kind = "accepted" if rng.random() < 0.8 else "declined"
        events = [SalesEvent(kind, at)]
        if kind == "accepted":
            at += timedelta(seconds=rng.expovariate(1 / (14 * 86400)))
            roll = rng.random()
            if roll < 0.3:
                events.append(SalesEvent("outcome", at, "won", _deal(rng)))
            elif roll < 0.7:
                outcome = rng.choice(["lost", "disqualified"])
                events.append(SalesEvent("outcome", at, outcome, {"reason": rng.choice(REASONS)}))
        for event in events:
            if event.at < START + timedelta(days=DAYS):
                add(totals, day_of(event.at), increments(event, signed_up, attribution))


def main() -> None:
    with moto_backend() as dynamodb:
        from chalicelib.wiring import services

        totals = _counters()
        _sales(totals)
        store_counters(dynamodb, totals)
        built = services()
        for campaign, amount in (("spring", 20_000), ("webinar-q3", 8_000), ("retargeting", 5_000)):
            built.funnel.set_spend(campaign, str(amount), "EUR", QUERY["from"], QUERY["to"])
        without_leads, with_leads = with_and_without_leads(dynamodb, built.revenue.report, QUERY)

        report = built.revenue.report(QUERY)
        filtered = built.revenue.report({**QUERY, "source": "google", "campaign": "spring"})
        print(
            f"items read by the revenue report: {report['counter_items_read']} counters (+ spend entries) "
            f"for {DAYS} days; leads stored: {LEADS}; filtered report: {filtered['counter_items_read']} counters"
        )
        total = report["total"]
        money = ", ".join(f"{row['revenue']:,.2f} {row['currency']} (ROI {row['roi']})" for row in total["money"])
        print(f"customers {total['customers']}: {money}")
        print_ratios(without_leads, with_leads)


if __name__ == "__main__":
    main()
