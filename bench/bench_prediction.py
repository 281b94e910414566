"""How well the predictive score learns, and what counting costs.

A synthetic population is drawn from a known naive-Bayes model: each lead is
won with probability 0.3, then each raw fact is drawn from its class's
distribution below (independent given the class, so the true posterior is
the best any model can do). Signal facts:

| fact (raw -> model value)          | values                                       | P(value | won)              | P(value | lost)             |
| ---------------------------------- | -------------------------------------------- | --------------------------- | --------------------------- |
| industry                           | software finance manufacturing retail other  | .40 .20 .15 .10 .15         | .15 .15 .20 .20 .30         |
| company_size                       | 1-10 11-50 51-200 201-1000 1000+             | .05 .15 .35 .30 .15         | .30 .30 .20 .10 .10         |
| job title -> seniority             | CEO / Head of Sales / Sales Manager / Analyst / none | .25 .35 .20 .10 .10 | .10 .15 .25 .30 .20         |
| webinars attended (first 14 days)  | 0 1 2                                        | .50 .35 .15                 | .85 .12 .03                 |
| pricing page views (first 14 days) | 0 1 3 5                                      | .30 .30 .25 .15             | .60 .25 .10 .05             |
| temperature at MQL                 | never cold warm hot                          | .10 .20 .35 .35             | .40 .30 .20 .10             |

Noise facts, drawn alike for both classes: country (DE AT CH FR US), source
(google linkedin newsletter none), free-mail address (30 %). The rest of the
playbook's facts are constant here.

2,000 leads with their items are stored on in-process moto; each outcome is
recorded on an assignment item and its stream record goes through the real
stream consumer and reactions (so the counters come from the same path as in
production). 2,000 more leads are held back. Printed: AUC of the model, of
the known-model optimum and of the rule score on the held-back leads (also
after 250 and 500 outcomes), calibration per band, the largest weight of any
noise fact against the signal facts', and DynamoDB items per outcome."""

from __future__ import annotations

import math
import os
import random
from datetime import UTC, datetime, timedelta

from .backend import BENCH_ENV

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
P_WON = 0.3
TRAIN, HELD_BACK = 2000, 2000
CHECKPOINTS = (250, 500, 1000, 2000)

# raw value -> (P | won, P | lost)
SIGNAL = {
    "industry": {
        "software": (0.40, 0.15),
        "finance": (0.20, 0.15),
        "manufacturing": (0.15, 0.20),
        "retail": (0.10, 0.20),
        "other": (0.15, 0.30),
    },
    "company_size": {
        "1-10": (0.05, 0.30),
        "11-50": (0.15, 0.30),
        "51-200": (0.35, 0.20),
        "201-1000": (0.30, 0.10),
        "1000+": (0.15, 0.10),
    },
    "job_title": {
        "CEO": (0.25, 0.10),
        "Head of Sales": (0.35, 0.15),
        "Sales Manager": (0.20, 0.25),
        "Analyst": (0.10, 0.30),
        "": (0.10, 0.20),
    },
    "webinars": {0: (0.50, 0.85), 1: (0.35, 0.12), 2: (0.15, 0.03)},
    "pricing_views": {0: (0.30, 0.60), 1: (0.30, 0.25), 3: (0.25, 0.10), 5: (0.15, 0.05)},
    "temperature": {"never": (0.10, 0.40), "cold": (0.20, 0.30), "warm": (0.35, 0.20), "hot": (0.35, 0.10)},
}
NOISE = {
    "country": ["DE", "AT", "CH", "FR", "US"],
    "utm_source": ["google", "linkedin", "newsletter", ""],
}
NOISE_FACTS = ("country", "source", "free_mail")
SCORE_AT_MQL = {"cold": 20, "warm": 50, "hot": 80}


def _draw(rng: random.Random, won: bool, table: dict):
    values = list(table)
    return rng.choices(values, weights=[table[v][0 if won else 1] for v in values])[0]


def _lead(rng: random.Random, n: int) -> dict:
    won = rng.random() < P_WON
    raw = {name: _draw(rng, won, table) for name, table in SIGNAL.items()}
    raw.update(country=rng.choice(NOISE["country"]), utm_source=rng.choice(NOISE["utm_source"]))
    raw["free_mail"] = rng.random() < 0.3
    log_odds = math.log(P_WON / (1 - P_WON)) + sum(
        math.log(table[raw[name]][0] / table[raw[name]][1]) for name, table in SIGNAL.items()
    )
    return {"n": n, "won": won, "raw": raw, "optimum": 1 / (1 + math.exp(-log_odds))}


def _items(lead: dict) -> tuple[dict, list[dict], list[dict]]:
    """The lead item's fields, its activities and stage changes (plain)."""
    from chalicelib.clock import iso

    raw, n = lead["raw"], lead["n"]
    confirmed = START + timedelta(minutes=n)
    profile = {"country": raw["country"], "company_size": raw["company_size"], "industry": raw["industry"]}
    if raw["job_title"]:
        profile["job_title"] = raw["job_title"]
    fields = {
        "lead_id": f"lead{n:05d}",
        "email": f"p{n}@{'gmail.com' if raw['free_mail'] else 'acme.example'}",
        "status": "confirmed",
        "stage": "sql",
        "form_id": "demo",
        "locale": "en",
        "timezone": "UTC",
        "profile": profile,
        "attribution": {"utm_source": raw["utm_source"]} if raw["utm_source"] else {},
        "created_at": iso(confirmed),
        "updated_at": iso(confirmed),
        "confirmed_at": iso(confirmed),
    }
    activities = [
        {"type": kind, "at": iso(confirmed + timedelta(days=1 + k, hours=n % 7)), "source": "web"}
        for kind, count in (("webinar_attended", raw["webinars"]), ("pricing_page_view", raw["pricing_views"]))
        for k in range(count)
    ]
    changes = []
    if raw["temperature"] != "never":
        at = iso(confirmed + timedelta(days=2))
        changes.append({"at": at, "to_stage": "mql", "from_stage": "lead", "score": SCORE_AT_MQL[raw["temperature"]]})
    return fields, activities, changes


def _store(lead: dict) -> None:
    from chalicelib.storage.models import ActivityItem, LeadItem, StageChangeItem, lead_pk

    fields, activities, changes = _items(lead)
    pk = lead_pk(fields["lead_id"])
    LeadItem(pk, "LEAD", **fields).save()
    with ActivityItem.batch_write() as batch:
        for k, a in enumerate(activities):
            batch.save(ActivityItem(pk, f"ACT#{a['at']}#{k}", lead_id=fields["lead_id"], data={}, **a))
        for c in changes:
            batch.save(StageChangeItem(pk, f"STAGE#{c['at']}#mql", lead_id=fields["lead_id"], reason="bench", **c))


def _record_outcome(dynamodb, lead: dict) -> None:
    """An accepted assignment, then the rep's outcome (the MODIFY the stream carries)."""
    from chalicelib.clock import iso

    pk = {"S": f"LEAD#lead{lead['n']:05d}"}
    key = {"pk": pk, "sk": {"S": "ASSIGN#2026-09-10T09:00:00+00:00"}}
    dynamodb.put_item(TableName="leadflow", Item={**key, "status": {"S": "accepted"}})
    closed = iso(START + timedelta(days=20, minutes=lead["n"]))
    dynamodb.update_item(
        TableName="leadflow",
        Key=key,
        UpdateExpression="SET #o = :o, #s = :s, closed_at = :c",
        ExpressionAttributeNames={"#o": "outcome", "#s": "status"},
        ExpressionAttributeValues={
            ":o": {"S": "won" if lead["won"] else "lost"},
            ":s": {"S": "closed"},
            ":c": {"S": closed},
        },
    )


def auc(scores: list[float], labels: list[bool]) -> float:
    """The chance that a random won lead scores above a random lost one (ties half)."""
    ranked = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average = (i + j + 1) / 2  # ranks i+1 .. j
        rank_sum += average * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    won = sum(labels)
    lost = len(labels) - won
    return (rank_sum - won * (won + 1) / 2) / (won * lost)


class _Calls:
    """Counts DynamoDB items read and written per API call kind."""

    def __init__(self):
        self.written = self.read = self.transactions = 0

    def __call__(self, operation: str, params: dict) -> None:
        if operation == "TransactWriteItems":
            self.transactions += 1
            self.written += sum(1 for i in params["TransactItems"] if "ConditionCheck" not in i)
            self.read += sum(1 for i in params["TransactItems"] if "ConditionCheck" in i)
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            self.written += 1
        elif operation in ("GetItem", "Query"):
            self.read += 1


def main() -> None:
    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    import boto3
    import botocore.client
    from moto import mock_aws

    from chalicelib.clock import FixedClock
    from chalicelib.prediction.facts import lead_facts
    from chalicelib.prediction.model import band, factors
    from chalicelib.scoring.rules import Activity, score, scoring_profile
    from chalicelib.stream.consumer import process_batch
    from chalicelib.wiring import Services
    from infra.local import moto_fixes
    from infra.local.streams import StreamReader
    from infra.resources import create_tables

    moto_fixes.apply()  # moto's per-transaction table copy would dominate otherwise
    rng = random.Random(16)
    population = [_lead(rng, n) for n in range(TRAIN + HELD_BACK)]
    train, held = population[:TRAIN], population[TRAIN:]

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-central-1")
        create_tables(dynamodb)
        services = Services(clock=FixedClock(START + timedelta(days=30)))
        playbook = services.playbook
        config = playbook.prediction
        arn = dynamodb.describe_table(TableName="leadflow")["Table"]["LatestStreamArn"]
        reader = StreamReader(boto3.client("dynamodbstreams", region_name="eu-central-1"), arn, "eu-central-1")
        for lead in train:
            _store(lead)
        while reader.read():
            pass  # the seeding's records are not outcomes

        held_facts = [lead_facts(*_items(lead), config, playbook.scoring) for lead in held]
        labels = [lead["won"] for lead in held]
        optimum = auc([lead["optimum"] for lead in held], labels)
        rule_scores = []
        for lead in held:
            fields, activities, _ = _items(lead)
            acts = [Activity(a["type"], datetime.fromisoformat(a["at"]), None, "web") for a in activities]
            now = datetime.fromisoformat(fields["confirmed_at"]) + timedelta(days=14)
            rule_scores.append(
                score(scoring_profile(fields["profile"], fields["email"]), acts, playbook.scoring, now).total
            )
        rules = auc(rule_scores, labels)
        print(
            f"held-back leads: {len(held)} ({sum(labels)} won); AUC optimum (known model) {optimum:.3f}, "
            f"rule score {rules:.3f}"
        )

        calls = _Calls()
        real_call = botocore.client.BaseClient._make_api_call

        def counting(client, operation, params):
            calls(operation, params)
            return real_call(client, operation, params)

        reactions = services.stream_reactions
        done = 0
        for checkpoint in CHECKPOINTS:
            for lead in train[done:checkpoint]:
                _record_outcome(dynamodb, lead)
            records = []
            while batch := reader.read():  # a read returns one page of the shard
                records += [
                    r
                    for r in batch
                    if r["eventName"] == "MODIFY" and r["dynamodb"]["Keys"]["sk"]["S"].startswith("ASSIGN#")
                ]
            assert len(records) == checkpoint - done, len(records)
            botocore.client.BaseClient._make_api_call = counting
            try:
                for start in range(0, len(records), 100):
                    result = process_batch(records[start : start + 100], reactions)
                    assert result == {"batchItemFailures": []}, result
            finally:
                botocore.client.BaseClient._make_api_call = real_call
            done = checkpoint
            counts = services.predictor.model()
            predicted = [services.predictor.prediction(f, counts)["probability"] for f in held_facts]
            print(
                f"after {checkpoint:>5} outcomes: AUC model {auc(predicted, labels):.3f} "
                f"(optimum - model {optimum - auc(predicted, labels):+.3f}; rule score {rules:.3f})"
            )
        print(
            f"cost per outcome recorded: {calls.written / TRAIN:.1f} items written, {calls.read / TRAIN:.1f} "
            f"reads (GetItem/Query/condition checks), {calls.transactions / TRAIN:.2f} transactions"
        )

        print("calibration on held-back leads (predicted band vs observed won share):")
        print(f"  {'band':<10} {'leads':>6} {'mean predicted':>15} {'observed won':>13}")
        for name, _ in sorted(config.bands.items(), key=lambda kv: kv[1]):
            inside = [(p, won) for p, won in zip(predicted, labels, strict=True) if band(p, config.bands) == name]
            if inside:
                mean = sum(p for p, _ in inside) / len(inside)
                share = sum(won for _, won in inside) / len(inside)
                print(f"  {name:<10} {len(inside):>6} {mean:>15.3f} {share:>13.3f}")

        weights: dict[str, float] = {}
        for (fact, value), _ in counts.values.items():
            weight = abs(factors({fact: value}, counts, config.smoothing)[0].weight)
            weights[fact] = max(weights.get(fact, 0.0), weight)
        noise = {f: round(weights.get(f, 0.0), 3) for f in NOISE_FACTS}
        # the facts the known model draws with a signal (the others are constant here)
        signal = {f: round(w, 3) for f, w in sorted(weights.items()) if f not in NOISE_FACTS and w > 0.01}
        print(f"largest |weight| (log likelihood ratio) per fact: noise {noise}; signal {signal}")
