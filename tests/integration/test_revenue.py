"""Deal values and reasons on sales outcomes, the revenue counters the stream
consumer keeps from them, and the revenue report, through the app on moto."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from chalicelib.analytics.funnel import Transition, attribution_of
from chalicelib.analytics.funnel import increments as funnel_increments
from chalicelib.analytics.revenue import SalesEvent, increments
from chalicelib.storage.funnel import FunnelStore
from chalicelib.storage.models import ASSIGNMENT_PREFIX, LeadItem
from chalicelib.storage.routing import StaleAssignment

from .conftest import ADMIN, START, stored_items
from .test_routing_flow import JSON_ADMIN, link, put_rep, rep_mails, sql_lead

DAY = START.date().isoformat()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def queue(client):
    from .test_routing_flow import RoutingQueue

    return RoutingQueue(client)


def revenue(client, **query):
    params = "&".join(f"{k}={v}" for k, v in {"from": DAY, "to": DAY, **query}.items())
    answer = client.http.get(f"/reports/revenue?{params}", headers=ADMIN)
    assert answer.status_code == 200, answer.body
    return answer.json_body


def accepted_sqls(client, stream, mailbox, queue, clock, emails, **profile):
    """SQLs routed to a rep and accepted (all signed up before any rep mail,
    so the mailbox's last mail is each one's opt-in mail)."""
    lead_ids = [sql_lead(client, stream, mailbox, email, **profile) for email in emails]
    queue.pump()
    for lead_id in lead_ids:
        assert act(client, lead_id, "accept").status_code == 200
    clock.advance(60)  # stage changes are keyed by time
    return lead_ids


def act(client, lead_id, action, **body):
    return client.http.post(f"/assignments/{lead_id}/{action}", headers=JSON_ADMIN, body=json.dumps(body))


def set_spend(client, campaign, amount, currency="EUR"):
    body = {"amount": amount, "currency": currency, "period": {"from": DAY, "to": DAY}}
    answer = client.http.put(f"/campaigns/{campaign}/spend", headers=JSON_ADMIN, body=json.dumps(body))
    assert answer.status_code == 200


def revenue_attributes(aws):
    return {
        (i["pk"]["S"], name): value["N"]
        for i in stored_items(aws)
        if i["pk"]["S"].startswith("FUNNEL#")
        for name, value in i.items()
        if name.startswith("rv#")
    }


def test_won_deals_give_revenue_lifetime_value_roi_and_time_to_customer_per_source_and_campaign(
    client, stream, mailbox, queue, clock
):
    put_rep(client, "ann")
    spring = {"utm_source": "google", "utm_campaign": "spring"}
    one_off = sql_lead(client, stream, mailbox, "a@acme.example", **spring)
    sql_lead(client, stream, mailbox, "b@acme.example", **spring)
    queue.pump()
    assert act(client, one_off, "accept").status_code == 200
    clock.advance(3600)
    won = act(client, one_off, "outcome", outcome="won", value=1200.5, currency="EUR")
    assert won.status_code == 200 and won.json_body["history"][-1]["value"] == "1200.5"
    # a recurring deal through the rep's own form: 100 EUR a month for 24 months
    [mail] = [m for m in rep_mails(mailbox, "ann") if "b@acme.example" in m.get_body(("plain",)).get_content()]
    assert client.http.post(link(mail, "accept")).status_code == 200
    page = client.http.get(link(mail, "outcome")).body.decode()
    assert 'name="value"' in page and 'value="no_budget"' in page
    clock.advance(60)
    posted = client.http.post(
        link(mail, "outcome"),
        headers=FORM,
        body="outcome=won&value=100&currency=EUR&recurring=monthly&expected_months=24&reason=&note=",
    )
    assert posted.status_code == 200, posted.body
    stream.pump()
    set_spend(client, "spring", 400)

    report = revenue(client)
    total = report["total"]
    assert total["customers"] == 2
    [eur] = total["money"]
    assert (eur["revenue"], eur["one_off"], eur["recurring_lifetime"]) == (3600.5, 1200.5, 2400.0)
    assert eur["average_lifetime_value"] == 1800.25
    assert eur["spend"] == 400.0 and eur["roi"] == round((3600.5 - 400) / 400, 4)
    # two leads for 400 EUR: 200 per lead against a 1800.25 lifetime value
    assert eur["cost_per_lead"] == 200.0 and eur["cpl_to_clv"] == round(200 / 1800.25, 4)
    # the first was won about an hour and a minute after signing up
    assert total["lead_to_customer"]["customers_timed"] == 2
    assert total["sql_acceptance"] == {"accepted": 2, "declined": 0, "rate": 1.0}
    assert [row["source"] for row in report["by_source"]] == ["google"]
    assert report["by_source"][0]["money"][0]["revenue"] == 3600.5
    assert report["by_source"][0]["money"][0]["spend"] is None  # spend belongs to campaigns
    [spring] = report["by_campaign"]
    assert spring["campaign"] == "spring" and spring["money"][0]["roi"] == eur["roi"]
    assert revenue(client, source="google")["total"]["customers"] == 2
    assert revenue(client, source="linkedin")["total"]["customers"] == 0


def test_mixed_currencies_are_reported_per_currency_and_never_summed(client, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    deals = [(1000, "EUR"), (500, "USD"), (250.25, "EUR")]
    leads = accepted_sqls(client, stream, mailbox, queue, clock, [f"p{n}@acme.example" for n in range(3)])
    for lead_id, (value, currency) in zip(leads, deals, strict=True):
        assert act(client, lead_id, "outcome", outcome="won", value=value, currency=currency).status_code == 200
    stream.pump()
    money = {row["currency"]: row for row in revenue(client)["total"]["money"]}
    assert set(money) == {"EUR", "USD"}
    assert (money["EUR"]["revenue"], money["EUR"]["customers"]) == (1250.25, 2)
    assert (money["USD"]["revenue"], money["USD"]["customers"]) == (500.0, 1)


def test_redelivered_sales_events_count_nothing_twice(client, stream, mailbox, queue, clock, aws):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "a@acme.example")
    queue.pump()
    act(client, lead_id, "accept")
    clock.advance(60)
    act(client, lead_id, "outcome", outcome="opportunity", value=5000, currency="EUR")
    clock.advance(60)
    act(client, lead_id, "outcome", outcome="won", value=4000, currency="EUR")
    records = stream.pump()
    before = revenue_attributes(aws)
    assert before, "the sales events were counted"

    assert stream.deliver(records) == {"batchItemFailures": []}
    stream.pump()  # the marks' own records, too
    assert revenue_attributes(aws) == before
    total = revenue(client)["total"]
    assert total["customers"] == 1 and total["money"][0]["revenue"] == 4000.0
    assert total["pipeline"] == [{"currency": "EUR", "opportunities": 1, "expected_value": 5000.0}]
    assert total["outcomes"] == {"opportunity": 1, "won": 1}
    assert not any(lead_id in pk or lead_id in name for pk, name in before)


def test_a_win_taken_back_by_recycling_subtracts_what_it_added(client, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    [lead_id] = accepted_sqls(client, stream, mailbox, queue, clock, ["a@acme.example"], utm_source="google")
    act(client, lead_id, "outcome", outcome="won", value=900, currency="EUR", recurring="yearly", expected_months=18)
    stream.pump()
    assert revenue(client)["total"]["money"][0]["revenue"] == 1350.0  # 900 a year for a year and a half
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 0
    clock.advance(86400)

    taken_back = act(client, lead_id, "outcome", outcome="recycle", note="contract withdrawn")
    assert taken_back.status_code == 200 and taken_back.json_body["outcome"] == "recycle"
    stream.pump()
    assert client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body["stage"] == "lead"
    assert client.http.get("/reps/ann", headers=ADMIN).json_body["open_assignments"] == 0  # not freed twice
    total = revenue(client)["total"]
    assert total["customers"] == 0 and total["money"] == [] and total["lead_to_customer"]["customers_timed"] == 0
    assert revenue(client, source="google")["by_source"][0]["customers"] == 0
    # only a won assignment can be recycled once closed, and only once
    assert act(client, lead_id, "outcome", outcome="recycle").status_code == 404


def test_reasons_are_required_where_the_playbook_says_and_counted_with_their_shares(
    client, stream, mailbox, queue, clock
):
    put_rep(client, "ann", capacity=10)
    leads = accepted_sqls(client, stream, mailbox, queue, clock, [f"p{n}@acme.example" for n in range(4)])
    # the shipped playbook: reason_required [disqualified]
    refused = act(client, leads[0], "outcome", outcome="disqualified")
    assert refused.status_code == 400 and "reason" in refused.json_body["errors"]
    assert act(client, leads[0], "outcome", outcome="disqualified", reason="teleported").status_code == 400
    assert act(client, leads[0], "outcome", outcome="disqualified", reason="bad_data").status_code == 200
    assert act(client, leads[1], "outcome", outcome="disqualified", reason="bad_data").status_code == 200
    assert act(client, leads[2], "outcome", outcome="disqualified", reason="no_fit", note="B2C").status_code == 200
    assert act(client, leads[3], "outcome", outcome="lost").status_code == 200  # optional for lost
    stream.pump()
    reasons = revenue(client)["total"]["reasons"]
    assert reasons["disqualified"] == [
        {"reason": "bad_data", "count": 2, "share": 0.6667},
        {"reason": "no_fit", "count": 1, "share": 0.3333},
    ]
    assert reasons["lost"] == [{"reason": "(none)", "count": 1, "share": 1.0}]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"outcome": "won", "value": -5, "currency": "EUR"}, "value"),
        ({"outcome": "won", "value": "12.345", "currency": "EUR"}, "value"),
        ({"outcome": "won", "value": 10.5, "currency": "JPY"}, "value"),
        ({"outcome": "won", "value": 10, "currency": "EURO"}, "currency"),
        ({"outcome": "won", "value": 10, "currency": "XYZ"}, "currency"),
        ({"outcome": "won", "value": 10}, "currency"),
        ({"outcome": "won", "value": 10, "currency": "EUR", "recurring": "weekly", "expected_months": 3}, "recurring"),
        ({"outcome": "won", "value": 10, "currency": "EUR", "recurring": "monthly"}, "expected_months"),
        ({"outcome": "won", "value": True, "currency": "EUR"}, "value"),
        ({"outcome": "lost", "value": 10, "currency": "EUR"}, "value"),
        ({"outcome": "opportunity", "value": 10, "currency": "EUR", "recurring": "monthly"}, "recurring"),
        ({"outcome": "won", "reason": "no_fit"}, "reason"),
    ],
)
def test_bad_deal_details_are_400_and_record_nothing(client, stream, mailbox, queue, clock, body, field):
    put_rep(client, "ann")
    [lead_id] = accepted_sqls(client, stream, mailbox, queue, clock, ["a@acme.example"])
    answer = act(client, lead_id, "outcome", **body)
    assert answer.status_code == 400 and field in answer.json_body["errors"], answer.json_body
    [a] = client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"]
    assert (a["status"], a["outcome"]) == ("accepted", None)


def test_declined_offers_count_against_the_acceptance_rate(client, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    put_rep(client, "bob", capacity=4)
    lead_id = sql_lead(client, stream, mailbox, "a@acme.example", utm_source="linkedin")
    queue.pump()
    assert act(client, lead_id, "decline").status_code == 200
    stream.pump()
    queue.pump()
    assert act(client, lead_id, "accept").status_code == 200
    stream.pump()
    report = revenue(client)
    assert report["total"]["sql_acceptance"] == {"accepted": 1, "declined": 1, "rate": 0.5}
    assert report["by_source"][0]["sql_acceptance"]["rate"] == 0.5


def test_a_report_over_90_days_reads_90_counter_items_and_no_lead(client, services, aws, monkeypatch):
    store = FunnelStore(services.clock)
    attribution = attribution_of({"utm_source": "google", "utm_campaign": "spring"}, "demo")
    first = START - timedelta(days=89)
    for n in range(90):
        at = first + timedelta(days=n)
        # the item a counted event marks (an assignment, in the app)
        aws.put_item(TableName="leadflow", Item={"pk": {"S": f"LEAD#x{n}"}, "sk": {"S": f"{ASSIGNMENT_PREFIX}{n}"}})
        added = increments(SalesEvent("outcome", at, "won", {"value": "10", "currency": "EUR"}), first, attribution)
        for key, more in funnel_increments(Transition(at, "subscriber", "lead", None, attribution)).items():
            added[key].update(more)
        assert store.count(f"LEAD#x{n}", f"{ASSIGNMENT_PREFIX}{n}", "m", {}, at.date().isoformat(), added)

    def no_lead_reads(*args, **kwargs):
        raise AssertionError("the report read a lead")

    monkeypatch.setattr(LeadItem, "get", no_lead_reads)
    monkeypatch.setattr(LeadItem, "query", no_lead_reads)
    report = revenue(client, **{"from": first.date().isoformat(), "to": DAY})
    assert report["counter_items_read"] == 90
    assert report["total"]["customers"] == 90 and report["total"]["money"][0]["revenue"] == 900.0
    assert (
        revenue(client, **{"from": first.date().isoformat(), "to": DAY, "source": "google"})["counter_items_read"] == 90
    )


def test_report_input_is_checked(client):
    assert client.http.get("/reports/revenue", headers=ADMIN).status_code == 400
    assert client.http.get(f"/reports/revenue?from={DAY}&to=2026-01-01", headers=ADMIN).status_code == 400
    assert client.http.get(f"/reports/revenue?from={DAY}&to={DAY}").status_code == 401


def test_the_funnel_picture_takes_a_revenue_line_per_currency(client, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    leads = accepted_sqls(client, stream, mailbox, queue, clock, ["a@acme.example", "b@acme.example"])
    act(client, leads[0], "outcome", outcome="won", value=1200.5, currency="EUR")
    act(client, leads[1], "outcome", outcome="won", value=80, currency="USD")
    stream.pump()

    def picture(**query):
        params = "&".join(f"{k}={v}" for k, v in {"from": DAY, "to": DAY, **query}.items())
        answer = client.http.get(f"/reports/funnel.svg?{params}", headers=ADMIN)
        assert answer.status_code == 200
        body = answer.body.decode() if isinstance(answer.body, bytes) else answer.body
        texts = [t.text for t in ElementTree.fromstring(body).iter("{http://www.w3.org/2000/svg}text")]
        return [t for t in texts if t.startswith("Revenue")]

    assert picture() == []
    assert picture(revenue=1) == [
        "Revenue 1,200.50 EUR from 1 customers, lifetime value 1,200.50",
        "Revenue 80.00 USD from 1 customers, lifetime value 80.00",
    ]


def test_erasing_a_customer_leaves_the_counters_which_name_no_one(client, stream, mailbox, queue, clock, aws):
    put_rep(client, "ann")
    [lead_id] = accepted_sqls(client, stream, mailbox, queue, clock, ["a@acme.example"])
    act(client, lead_id, "outcome", outcome="won", value=300, currency="EUR")
    stream.pump()
    before = revenue_attributes(aws)

    assert client.http.delete(f"/leads/{lead_id}", headers=ADMIN).status_code == 200
    stream.pump()
    assert revenue_attributes(aws) == before
    assert not any(lead_id in pk or lead_id in name for pk, name in before)
    assert revenue(client)["total"]["money"][0]["revenue"] == 300.0


def test_a_win_is_taken_back_once_even_by_two_takers_reading_it_won(client, services, stream, mailbox, queue, clock):
    put_rep(client, "ann")
    [lead_id] = accepted_sqls(client, stream, mailbox, queue, clock, ["a@acme.example"])
    act(client, lead_id, "outcome", outcome="won", value=300, currency="EUR")
    router = services.router
    read_won = router.current(lead_id, "recycle")
    clock.advance(60)
    router.record_outcome(read_won, "recycle")
    # the second read it won and passed the stage check before the first wrote
    with pytest.raises(StaleAssignment):
        services.routing_store.record_outcome(read_won, "recycle", clock.now().isoformat(), False)
    stream.pump()
    [a] = client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"]
    assert [e["outcome"] for e in a["history"] if e["event"] == "outcome"] == ["won", "recycle"]
    total = revenue(client)["total"]
    assert (total["customers"], total["money"], total["outcomes"]) == (0, [], {})  # as if never won
