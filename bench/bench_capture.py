"""Capture request (the app's handler for POST /forms/demo/submissions, with
its validation, keyed hash and one TransactWriteItems) against a bare PutItem
of one item, both to the same moto server over loopback HTTP, in one run.

Then the timing oracle: the answer time for an address already stored
against a new one (median over ORACLE_ROUNDS each, interleaved)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from .backend import moto_backend, percentile

ROUNDS = 300
ORACLE_ROUNDS = 50


def main() -> None:
    with moto_backend() as dynamodb:
        from chalice.local import LambdaContext

        from app import app
        from chalicelib.capture.render import render_token
        from chalicelib.wiring import services

        event = json.loads(Path("events/apigateway/form-submission-json.json").read_text())
        # the token the form page handed out a minute ago (a person's post)
        rendered = services().clock.now() - timedelta(minutes=1)
        body = {**json.loads(event["body"]), "_render_token": render_token(services().signer, "demo", rendered)}

        def capture(n: int, address: str = "bench") -> None:
            # distinct addresses and IPs: new leads, no rate limit in the way
            event["body"] = json.dumps({**body, "email": f"{address}{n}@example.com"})
            event["requestContext"]["identity"]["sourceIp"] = f"198.{51 + len(address)}.{n // 250}.{n % 250}"
            response = app(event, LambdaContext("api_handler", 512))
            assert response["statusCode"] == 202, response

        def bare_put(n: int) -> None:
            dynamodb.put_item(
                TableName="leadflow",
                Item={"pk": {"S": f"BENCH#{n}"}, "sk": {"S": "LEAD"}, "email": {"S": f"bench{n}@example.com"}},
            )

        assert services().capture  # build adapters once, as a warm Lambda has them
        capture(-1), bare_put(-1)
        timings = {"capture": [], "put": []}
        for n in range(ROUNDS):  # interleaved so drift hits both alike
            for name, call in (("capture", capture), ("put", bare_put)):
                start = time.perf_counter()
                call(n)
                timings[name].append(time.perf_counter() - start)
        # the bench measures stored signups, not the bot path's same answer
        from chalicelib.capture.service import lead_id_for

        assert services().leads.get(lead_id_for("bench0@example.com", services().secrets.lead_key))
        for p in (50, 95):
            c, b = percentile(timings["capture"], p), percentile(timings["put"], p)
            print(f"p{p}: capture {c * 1000:.2f} ms, bare PutItem {b * 1000:.2f} ms, ratio {c / b:.2f}x")

        for n in range(ORACLE_ROUNDS):
            capture(n, "stored")
        oracle = {"new": [], "existing": []}
        for n in range(ORACLE_ROUNDS):
            for name, address in (("new", "fresh"), ("existing", "stored")):
                start = time.perf_counter()
                capture(n, address)
                oracle[name].append(time.perf_counter() - start)
        new, existing = percentile(oracle["new"], 50), percentile(oracle["existing"], 50)
        print(
            f"timing oracle (median of {ORACLE_ROUNDS}): new address {new * 1000:.2f} ms, "
            f"existing address {existing * 1000:.2f} ms, ratio {existing / new:.2f}x"
        )


if __name__ == "__main__":
    main()
