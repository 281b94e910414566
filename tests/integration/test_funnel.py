"""Funnel counters kept by the stream consumer, the funnel report, campaign
spend and the funnel picture, through the app on moto."""

import json

from chalicelib.storage.models import LEAD_SK, LeadItem, lead_pk

from .conftest import ADMIN, stored_items, submit
from .test_scoring_flow import GOOD_FIT, confirmed_lead, send_event

DAY = "2026-11-23"


def funnel(client, headers=ADMIN, **query):
    params = "&".join(f"{k}={v}" for k, v in {"from": DAY, "to": DAY, **query}.items())
    return client.http.get(f"/reports/funnel?{params}", headers=headers)


def entered(report):
    return {s["stage"]: s["entered"] for s in report["stages"]}


def counter_items(aws):
    return [i for i in stored_items(aws) if i["pk"]["S"].startswith("FUNNEL#")]


def test_signups_confirmations_and_qualification_are_counted_per_stage_source_and_campaign(
    client, stream, mailbox, clock
):
    lead_id, token = confirmed_lead(
        client, stream, mailbox, email="ann@acme.example", utm_source="Google", utm_campaign="spring", **GOOD_FIT
    )
    clock.advance(3600)
    send_event(client, token, type="demo_request")
    stream.pump()
    submit(client, email="bob@acme.example", utm_source="newsletter")
    stream.pump()

    report = funnel(client).json_body
    assert entered(report) == {"subscriber": 2, "lead": 1, "mql": 1, "sql": 1, "opportunity": 0, "customer": 0}
    by_stage = {s["stage"]: s for s in report["stages"]}
    assert by_stage["subscriber"]["conversion_to_next"] == 0.5
    assert by_stage["lead"]["conversion_to_next"] == 1.0
    # an hour between confirming and the demo request, to the histogram's precision
    assert 3600 / 1.25 <= by_stage["lead"]["median_seconds_in_stage"] <= 3600 * 1.25
    assert report["by_source"] == [
        {"source": "google", "entered": {"subscriber": 1, "lead": 1, "mql": 1, "sql": 1}},
        {"source": "newsletter", "entered": {"subscriber": 1}},
    ]
    assert [row["campaign"] for row in report["by_campaign"]] == ["(none)", "spring"]

    only_google = funnel(client, source="google").json_body
    assert entered(only_google)["subscriber"] == 1 and entered(only_google)["sql"] == 1
    assert entered(funnel(client, source="google", campaign="spring", form="demo").json_body)["sql"] == 1
    assert entered(funnel(client, source="nowhere").json_body)["subscriber"] == 0


def test_a_redelivered_stream_batch_counts_nothing_twice(client, stream, mailbox, aws):
    submit(client, email="ann@acme.example", utm_source="google")
    records = stream.pump()
    token = mailbox.confirm_tokens()[0]
    client.http.post(f"/confirm/{token}")
    records += stream.pump()
    before = counter_items(aws)

    assert stream.deliver(records) == {"batchItemFailures": []}
    stream.pump()  # the markers' own MODIFY records, too
    assert counter_items(aws) == before
    assert entered(funnel(client).json_body)["lead"] == 1


def test_the_report_reads_only_counter_items_one_per_day(client, stream, mailbox, clock):
    submit(client, email="ann@acme.example")
    stream.pump()
    clock.advance(2 * 86400)
    submit(client, email="bob@acme.example")
    stream.pump()
    report = funnel(client, **{"from": "2026-11-01", "to": "2026-11-30"}).json_body
    assert entered(report)["subscriber"] == 2
    assert report["counter_items_read"] == 2


def test_campaign_spend_gives_cost_per_lead_mql_and_sql(client, stream, mailbox, clock):
    for n in range(2):
        confirmed_lead(client, stream, mailbox, email=f"p{n}@acme.example", utm_campaign="Spring")
    spend = {"amount": 300, "currency": "EUR", "period": {"from": "2026-11-01", "to": "2026-11-30"}}
    answer = client.http.put(
        "/campaigns/spring/spend", headers={**ADMIN, "Content-Type": "application/json"}, body=json.dumps(spend)
    )
    assert answer.status_code == 200 and answer.json_body["campaign"] == "spring"

    report = funnel(client, campaign="spring").json_body
    # 300 EUR over 30 days, one day in the report: 10 EUR for 2 leads
    assert report["cost"] == [{"currency": "EUR", "spend": 10.0, "per_lead": 5.0, "per_mql": None, "per_sql": None}]
    assert report["by_campaign"][0]["cost"][0]["per_lead"] == 5.0


def test_spend_and_report_input_is_checked(client):
    bad = client.http.put(
        "/campaigns/x/spend",
        headers={**ADMIN, "Content-Type": "application/json"},
        body=json.dumps({"amount": -1, "currency": "euro", "period": {"from": "x"}}),
    )
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"amount", "currency", "period"}
    assert funnel(client, to="2026-11-01").status_code == 400
    assert client.http.get("/reports/funnel", headers=ADMIN).status_code == 400


def test_the_funnel_picture_is_an_svg_with_every_stage(client, stream, mailbox):
    submit(client, email="ann@acme.example")
    stream.pump()
    answer = client.http.get(f"/reports/funnel.svg?from={DAY}&to={DAY}", headers=ADMIN)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/svg+xml"
    svg = answer.body.decode() if isinstance(answer.body, bytes) else answer.body
    assert svg.startswith("<svg") and "subscriber: 1" in svg and "customer: 0" in svg


def test_a_transition_of_a_lead_erased_before_its_record_arrives_counts_nothing_and_writes_nothing(
    client, stream, mailbox, aws
):
    submit(client, email="ann@acme.example")
    records = stream.records()
    lead_id = next(r["dynamodb"]["Keys"]["pk"]["S"] for r in records)[len("LEAD#") :]
    for item in stored_items(aws):
        if item["pk"]["S"] == lead_pk(lead_id):
            aws.delete_item(TableName="leadflow", Key={"pk": item["pk"], "sk": item["sk"]})
    stream.deliver(records)
    assert counter_items(aws) == []
    assert [i for i in stored_items(aws) if i["pk"]["S"] == lead_pk(lead_id)] == []
    assert LeadItem.count(lead_pk(lead_id), LeadItem.sk == LEAD_SK) == 0


def test_a_reporting_token_opens_the_reports_and_nothing_else(client, monkeypatch):
    from chalicelib.secrets import hash_admin_token

    monkeypatch.setenv("LEADFLOW_ADMIN_TOKENS", f"marketing:reporting:{hash_admin_token('rep-token')}")
    reporting = {"Authorization": "Bearer rep-token"}
    assert funnel(client, headers=reporting).status_code == 200
    assert client.http.get("/leads?email=ann@acme.example", headers=reporting).status_code == 403
    assert client.http.put("/campaigns/x/spend", headers=reporting, body="{}").status_code == 403
    assert funnel(client, headers={"Authorization": "Bearer wrong"}).status_code == 401
