"""The predictive score through the app on moto: reps' outcomes reach the
counters through the stream (once, reversible, erasable), the weekly rebuild
agrees with them, and leads show a prediction with its factors."""

import email
import email.policy
import json

import pytest

from chalicelib.playbook import load_playbook
from chalicelib.wiring import Services, configure

from .conftest import ADMIN, Mailbox, stored_items
from .test_mail_on_the_wire import spam_score
from .test_routing_flow import JSON_ADMIN, RoutingQueue, put_rep
from .test_routing_flow import sql_lead as routed_sql_lead

MIN_OUTCOMES = 2


class OptInMails(Mailbox):
    """The opt-in mails only (rep mails arrive in the same mailbox)."""

    def texts(self):
        return [text for text in super().texts() if "/confirm/" in text]


def sql_lead(client, stream, mailbox, email, **profile):
    return routed_sql_lead(client, stream, OptInMails(), email, **profile)


@pytest.fixture
def services(aws, clock):
    shipped = load_playbook()
    playbook = shipped.model_copy(
        update={"prediction": shipped.prediction.model_copy(update={"min_outcomes": MIN_OUTCOMES})}
    )
    built = Services(clock=clock, playbook=playbook)
    configure(built)
    yield built
    configure(None)


@pytest.fixture
def queue(client):
    return RoutingQueue(client)


@pytest.fixture
def reps(client):
    put_rep(client, "ann", capacity=50)
    put_rep(client, "eve", pools=["enterprise"], territories=[], capacity=50)


def act(client, lead_id, action, **body):
    response = client.http.post(f"/assignments/{lead_id}/{action}", headers=JSON_ADMIN, body=json.dumps(body))
    assert response.status_code == 200, response.body
    return response.json_body


def close(client, stream, queue, clock, lead_id, outcome):
    """Route the lead's SQL, accept it and record the outcome."""
    queue.pump()
    clock.advance(60)
    act(client, lead_id, "accept")
    act(client, lead_id, "outcome", outcome=outcome, **({"reason": "no_fit"} if outcome == "disqualified" else {}))
    stream.pump()


def schedule(client, name):
    """Run a scheduled handler with the event EventBridge delivers."""
    return client.lambda_.invoke(name, client.events.generate_cw_event("aws.events", "Scheduled Event", {}, []))


def counters(aws):
    """(fact, value) -> (won, lost) and the prior, as stored."""
    found = {}
    for item in stored_items(aws):
        if item["pk"]["S"] == "PREDICT#COUNTS":
            key = "prior" if item["sk"]["S"] == "#TOTAL" else (item["fact"]["S"], item["value"]["S"])
            pair = (int(item["won"]["N"]), int(item["lost"]["N"]))
            if pair != (0, 0):
                found[key] = pair
    return found


def lead(client, lead_id):
    return client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body


def test_an_outcome_counts_the_leads_facts_once_even_when_the_stream_redelivers_it(
    client, stream, mailbox, queue, clock, aws, reps
):
    lead_id = sql_lead(client, stream, mailbox, "won@acme.example")
    queue.pump()
    clock.advance(60)
    act(client, lead_id, "accept")
    act(client, lead_id, "outcome", outcome="won")
    records = stream.pump()

    counted = counters(aws)
    assert counted["prior"] == (1, 0)
    assert counted[("industry", "software")] == (1, 0)
    assert counted[("company_size", "51-200")] == (1, 0)
    assert counted[("activity:page_view", "0")] == (1, 0)
    assert counted[("temperature_at_mql", "hot")] == (1, 0)  # a demo request made it an SQL at 90 points
    assert len(counted) == 1 + len(load_playbook().prediction.fact_names())

    assert stream.deliver(records) == {"batchItemFailures": []}  # Lambda retries the whole batch
    stream.pump()
    assert counters(aws) == counted


def test_a_recycled_lead_counts_as_lost_until_it_wins_and_then_only_as_won(
    client, stream, mailbox, queue, clock, aws, reps
):
    lead_id = sql_lead(client, stream, mailbox, "later@acme.example", utm_source="webinar")
    close(client, stream, queue, clock, lead_id, "recycle")
    lost = counters(aws)
    assert lost["prior"] == (0, 1) and lost[("source", "webinar")] == (0, 1)

    # back in nurture, the lead asks again, is routed again and wins
    clock.advance(3600)
    client.http.post(f"/leads/{lead_id}/activities", headers=JSON_ADMIN, body=json.dumps({"type": "webinar_attended"}))
    client.http.post(f"/leads/{lead_id}/activities", headers=JSON_ADMIN, body=json.dumps({"type": "contact_request"}))
    stream.pump()
    assert lead(client, lead_id)["stage"] == "sql"
    close(client, stream, queue, clock, lead_id, "won")

    won = counters(aws)
    assert won["prior"] == (1, 0)
    assert all(lost_count == 0 for key, (_, lost_count) in won.items())
    assert won[("source", "webinar")] == (1, 0)


def test_erasing_a_closed_lead_takes_its_contribution_out_of_the_counters(
    client, stream, mailbox, queue, clock, aws, reps
):
    kept = sql_lead(client, stream, mailbox, "kept@acme.example", industry="retail")
    close(client, stream, queue, clock, kept, "lost")
    before = counters(aws)
    erased = sql_lead(client, stream, mailbox, "erased@acme.example")
    close(client, stream, queue, clock, erased, "won")
    assert counters(aws) != before

    answer = client.http.delete(f"/leads/{erased}", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.json_body["released"]["release_prediction"] == 1
    stream.pump()
    assert counters(aws) == before
    text = json.dumps([i for i in stored_items(aws) if i["pk"]["S"].startswith("PREDICT#")])
    assert kept not in text and erased not in text and "@" not in text  # counters name no lead


def test_the_weekly_rebuild_equals_the_incremental_counters_and_mends_a_drifted_one(
    client, stream, mailbox, queue, clock, aws, reps
):
    for n, outcome in enumerate(["won", "lost", "disqualified"]):
        lead_id = sql_lead(client, stream, mailbox, f"r{n}@acme.example", company_size=["51-200", "1000+", "1-10"][n])
        close(client, stream, queue, clock, lead_id, outcome)
    incremental = counters(aws)
    assert schedule(client, "rebuild_prediction").payload == {"outcomes": 3, "corrected": 0}
    assert counters(aws) == incremental

    aws.update_item(
        TableName="leadflow",
        Key={"pk": {"S": "PREDICT#COUNTS"}, "sk": {"S": "industry#software"}},
        UpdateExpression="SET won = :w",
        ExpressionAttributeValues={":w": {"N": "7"}},
    )
    assert schedule(client, "rebuild_prediction").payload == {"outcomes": 3, "corrected": 1}
    assert counters(aws) == incremental


def test_a_lead_shows_insufficient_data_until_min_outcomes_then_a_probability_with_factors(
    client, stream, mailbox, queue, clock, aws, reps
):
    waiting = sql_lead(client, stream, mailbox, "waiting@acme.example")
    assert lead(client, waiting)["prediction"] == {
        "status": "insufficient_data",
        "closed_outcomes": 0,
        "min_outcomes": MIN_OUTCOMES,
        "predicted_at": lead(client, waiting)["prediction"]["predicted_at"],
    }
    assert "probability" not in lead(client, waiting)["prediction"]
    for n, outcome in enumerate(["won", "lost"]):
        size = ["51-200", "1-10"][n]
        closed = sql_lead(client, stream, mailbox, f"c{n}@acme.example", company_size=size)
        close(client, stream, queue, clock, closed, outcome)
    assert lead(client, waiting)["prediction"]["status"] == "insufficient_data"  # its facts did not change

    # the refresh job sees the model reach min_outcomes and walks the open leads
    assert schedule(client, "refresh_predictions").payload["refreshed"] >= 1
    shown = lead(client, waiting)["prediction"]
    assert (
        shown["status"] == "predicted" and 0.5 < shown["probability"] <= 0.99 and shown["band"] in ("high", "very_high")
    )
    strongest = shown["factors"]["strongest"][0]
    assert strongest == {
        "fact": "company_size",
        "value": "51-200",
        "weight": strongest["weight"],
        "won_share": 0.6667,
        "closed": 1,
    }
    assert strongest["weight"] > 0
    assert schedule(client, "refresh_predictions").payload["refreshed"] == 0  # nothing moved since

    # GDPR: the export holds the prediction and its factors
    export = client.http.get(f"/leads/{waiting}/export", headers=ADMIN).json_body
    assert export["profile"]["prediction"]["factors"] == shown["factors"]


def test_the_lead_list_sorts_a_stage_by_probability(client, stream, mailbox, queue, clock, aws, reps):
    for n, outcome in enumerate(["won", "lost", "won"]):
        closed = sql_lead(client, stream, mailbox, f"s{n}@acme.example", industry=["software", "retail", "software"][n])
        close(client, stream, queue, clock, closed, outcome)
    likely = sql_lead(client, stream, mailbox, "likely@acme.example", industry="software")
    unlikely = sql_lead(client, stream, mailbox, "unlikely@acme.example", industry="retail")
    listed = client.http.get("/leads?stage=sql&sort=probability", headers=ADMIN).json_body["leads"]
    assert [row["lead_id"] for row in listed] == [likely, unlikely]
    assert listed[0]["prediction"]["probability"] > listed[1]["prediction"]["probability"]
    assert client.http.get("/leads?stage=sql&sort=luck", headers=ADMIN).status_code == 400


def rep_mail(mailbox, rep_id):
    """The rep's newest mail as SES got it: (raw, its text part)."""
    raw = [m.raw_data for m in mailbox.messages() if f"{rep_id}@sales.example" in str(m.destinations)][-1]
    message = email.message_from_string(raw, policy=email.policy.compat32)
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return raw, part.get_payload(decode=True).decode(part.get_content_charset())


def test_the_rep_is_told_how_likely_the_lead_is_to_close_and_why(client, stream, mailbox, queue, clock, aws, reps):
    for n, outcome in enumerate(["won", "lost"]):
        closed = sql_lead(client, stream, mailbox, f"m{n}@acme.example", company_size=["51-200", "1-10"][n])
        close(client, stream, queue, clock, closed, outcome)
    fresh = sql_lead(client, stream, mailbox, "fresh@acme.example")
    queue.pump()
    shown = lead(client, fresh)["prediction"]
    percent = round(shown["probability"] * 100)
    raw, text = rep_mail(mailbox, "ann")
    assert f"Likely to close: {percent} %, because 51-200 employees" in text
    assert "insufficient" not in text
    score, tests = spam_score(raw.encode())
    assert score <= 1.0, tests


def test_the_funnel_report_holds_predicted_band_against_the_won_share_of_leads_closed_in_the_range(
    client, stream, mailbox, queue, clock, aws, reps
):
    for n, outcome in enumerate(["won", "lost"]):  # closed before the model could speak: in no band
        closed = sql_lead(client, stream, mailbox, f"k{n}@acme.example", company_size=["51-200", "1-10"][n])
        close(client, stream, queue, clock, closed, outcome)
    likely = sql_lead(client, stream, mailbox, "likely@acme.example")
    predicted_band = lead(client, likely)["prediction"]["band"]
    close(client, stream, queue, clock, likely, "won")

    day = clock.now().date().isoformat()
    report = client.http.get(f"/reports/funnel?from={day}&to={day}", headers=ADMIN).json_body
    rows = {row["band"]: row for row in report["prediction_calibration"]}
    assert list(rows) == ["low", "medium", "high", "very_high"]
    assert rows[predicted_band]["closed"] == 1 and rows[predicted_band]["won_share"] == 1.0
    assert sum(row["closed"] for row in rows.values()) == 1
    assert rows["low"]["predicted"] == {"from": 0.0, "to": 0.25}
    records = stream.pump()
    assert records == []  # nothing left behind to count again


def test_a_playbook_rule_sends_high_probability_sqls_to_a_named_pool(client, stream, mailbox, queue, clock, services):
    rules = services.playbook.routing.rules
    closers = rules[0].model_validate({"name": "likely", "match": {"min_probability": 0.6}, "pool": "closers"})
    routing = services.playbook.routing.model_copy(update={"rules": (closers, *rules)})
    services.playbook = services.playbook.model_copy(update={"routing": routing})
    put_rep(client, "ann", capacity=50)
    put_rep(client, "cleo", pools=["closers"], territories=[], capacity=50)
    for n, outcome in enumerate(["won", "lost"]):  # no number yet: the usual pool
        closed = sql_lead(client, stream, mailbox, f"p{n}@acme.example", company_size=["51-200", "1-10"][n])
        close(client, stream, queue, clock, closed, outcome)
    likely = sql_lead(client, stream, mailbox, "closer@acme.example", company_size="51-200")
    unlikely = sql_lead(client, stream, mailbox, "maybe@acme.example", company_size="1-10")
    queue.pump()
    assert (
        lead(client, likely)["prediction"]["probability"] >= 0.6 > lead(client, unlikely)["prediction"]["probability"]
    )
    owners = {
        lead_id: client.http.get(f"/assignments/{lead_id}", headers=ADMIN).json_body["assignments"][0]["rep_id"]
        for lead_id in (likely, unlikely)
    }
    assert owners == {likely: "cleo", unlikely: "ann"}


def test_two_consumers_counting_the_same_outcome_at_once_count_it_once(
    client, stream, mailbox, queue, clock, aws, reps, services
):
    lead_id = sql_lead(client, stream, mailbox, "twice@acme.example")
    queue.pump()
    clock.advance(60)
    act(client, lead_id, "accept")
    closed = act(client, lead_id, "outcome", outcome="won")
    predictor, store = services.predictor, services.predictor._store
    real_count, answers = store.count, []

    def count_after_a_rival(*args, **kwargs):
        if not answers:  # the other consumer's transaction lands between our read and our write
            answers.append(None)
            answers[0] = predictor.count_outcome(lead_id, f"ASSIGN#{closed['key']}", "won", closed["closed_at"])
        return real_count(*args, **kwargs)

    store.count = count_after_a_rival
    try:
        ours = predictor.count_outcome(lead_id, f"ASSIGN#{closed['key']}", "won", closed["closed_at"])
    finally:
        store.count = real_count
    assert (answers, ours) == (["counted won"], "already counted")  # our write's condition failed; re-read
    stream.pump()  # the real stream record, too
    assert counters(aws)["prior"] == (1, 0) and counters(aws)[("industry", "software")] == (1, 0)
