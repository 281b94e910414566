"""Bulk import of 100,000 rows against a moto server on loopback (the local
stack's HTTP path): the CSV PUT to the presigned URL, then the worker
(`Importer.resume`, as the import queue's consumer calls it) reads it from
S3 in chunks, validates every row like the form, reads the leads and
suppression entries in batches and writes the leads with BatchWriteItem.

Printed: rows per second of the import against raw BatchWriteItem of the
same lead items (read back from the table) to a fresh table of the same
shape on the same server, as a ratio (goal at least 0.5), and the worker
process's peak resident memory (goal under 256 MB, a small Lambda)."""

from __future__ import annotations

import copy
import random
import resource
import time

import requests

from .backend import moto_backend

ROWS = 100_000
FIRST = ["Anna", "Jörg", "Maria", "Lukas", "Sofia", "Ben", "Emma", "Paul"]
COMPANIES = ["Acme GmbH", "Bäckerei Schulz", "Nordwind AG", "Initech", "Globex"]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]


def _csv() -> bytes:
    rng = random.Random(14)
    lines = ["E-Mail;Vorname;Firma;Unternehmensgröße;Land"]
    for n in range(ROWS):
        lines.append(
            f"person{n}@firma{n % 977}.example;{rng.choice(FIRST)};{rng.choice(COMPANIES)};{rng.choice(SIZES)};DE"
        )
    return ("\n".join(lines) + "\n").encode("cp1252")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _raw_table(name: str) -> None:
    import boto3

    from infra.resources import create_resources, load_resources

    table = copy.deepcopy(load_resources()["LeadsTable"])
    table["Metadata"]["Leadflow"]["LocalName"] = name
    create_resources(lambda service: boto3.client(service), {"RawLeadsTable": table})


def _lead_items(dynamodb) -> list[dict]:
    items, start = [], None
    while True:
        page = dynamodb.scan(TableName="leadflow", **({"ExclusiveStartKey": start} if start else {}))
        items += [i for i in page["Items"] if i["pk"]["S"].startswith("LEAD#")]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _raw_writes(dynamodb, table: str, items: list[dict]) -> float:
    started = time.perf_counter()
    for start in range(0, len(items), 25):
        requests_ = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        while requests_:
            answer = dynamodb.batch_write_item(RequestItems={table: requests_})
            requests_ = answer.get("UnprocessedItems", {}).get(table, [])
    return time.perf_counter() - started


def main() -> None:
    with moto_backend() as dynamodb:
        import boto3

        from chalicelib.wiring import services
        from infra.resources import create_resources, load_resources

        resources = load_resources()
        wanted = {k: resources[k] for k in ("ImportQueue", "ImportDlq", "ImportBucket")}
        create_resources(lambda service: boto3.client(service), wanted)
        importer = services().importer

        data = _csv()
        import_id, url, _ = importer.start("demo", "no_mail", {}, False, False)
        assert requests.put(url, data=data, timeout=120).status_code == 200
        print(f"{ROWS} rows, {len(data) / 1e6:.1f} MB (Windows-1252, semicolons, German headers)")
        del data

        rss_before = _peak_rss_mb()
        started = time.perf_counter()
        outcome = importer.resume(import_id)
        imported = time.perf_counter() - started
        rss_after = _peak_rss_mb()
        counts = importer.job(import_id).counts.as_dict()
        print(f"worker: {outcome}; counts {counts}")
        assert counts["created"] == ROWS, counts

        items = _lead_items(dynamodb)
        _raw_table("leadflow-raw")
        raw = _raw_writes(dynamodb, "leadflow-raw", items)

        print(f"import: {imported:.1f} s, {ROWS / imported:,.0f} rows/s")
        print(f"raw BatchWriteItem of the same {len(items)} items: {raw:.1f} s, {len(items) / raw:,.0f} items/s")
        print(f"ratio import / raw: {raw / imported:.2f} (goal >= 0.5)")
        print(
            f"worker peak resident memory: {rss_after:.0f} MB (the process; {rss_after - rss_before:.0f} MB "
            "grown during the import; goal < 256 MB)"
        )
