"""Activities in, score, temperature and stage out, through the app's routes
and its stream handler on moto."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.clock import iso
from chalicelib.scoring.stages import StageChange
from chalicelib.storage.models import ActivityItem, LeadItem, lead_pk
from chalicelib.tracking.links import click_url, open_url

from .conftest import ADMIN, submit

GOOD_FIT = dict(company_size="51-200", industry="software", country="DE", job_title="Head of Marketing")
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"


def confirmed_lead(client, stream, mailbox, email="ann@acme.example", **profile):
    """Submit, mail, confirm; returns (lead id, signed lead token)."""
    assert submit(client, email=email, **profile).status_code == 202
    stream.pump()
    token = mailbox.confirm_tokens()[-1]
    location = client.http.post(f"/confirm/{token}").headers["Location"]
    lead_token = parse_qs(urlsplit(location).query)["lead"][0]
    stream.pump()
    lead = client.http.get(f"/leads?email={email}", headers=ADMIN).json_body["leads"][0]
    return lead["lead_id"], lead_token


def send_event(client, lead_token, origin=None, **body):
    headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    return client.http.post("/events", headers=headers, body=json.dumps({"lead": lead_token, **body}))


def lead(client, lead_id):
    return client.http.get(f"/leads/{lead_id}", headers=ADMIN).json_body


def stored_activities(lead_id):
    return list(ActivityItem.query(lead_pk(lead_id), ActivityItem.sk.startswith("ACT#")))


def version(lead_id):
    return LeadItem.get(lead_pk(lead_id), "LEAD", consistent_read=True).version


def test_the_playbook_example_a_fitting_lead_asking_for_a_demo_becomes_an_sql(client, stream, mailbox, clock):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    assert lead(client, lead_id)["stage"] == "lead"

    clock.advance(60)
    assert send_event(client, lead_token, type="demo_request").status_code == 202
    stream.pump()

    view = lead(client, lead_id)
    assert view["stage"] == "sql" and view["temperature"] == "hot"
    assert [(c["from_stage"], c["to_stage"]) for c in view["stage_changes"]] == [
        ("subscriber", "lead"),
        ("lead", "sql"),
    ]
    assert view["stage_changes"][-1]["reason"].startswith("hand-raiser demo_request")
    scoring = view["scoring"]
    assert scoring["score"] == scoring["fit"] + scoring["engagement"] == 90
    assert scoring["breakdown"][0] == {
        "rule": "demo_request",
        "kind": "engagement",
        "points": 30,
        "detail": "1× after decay",
    }
    assert {c["rule"] for c in scoring["breakdown"]} >= {"decision_maker", "country_dach", "form_submitted"}


def test_the_same_lead_with_one_page_view_and_no_demo_request_stays_below_sql(client, stream, mailbox):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    assert (
        send_event(client, lead_token, type="page_view", url="https://www.leadflow.example/features").status_code == 202
    )
    stream.pump()
    view = lead(client, lead_id)
    assert view["stage"] == "lead" and view["score"] == 61 and view["temperature"] == "warm"


def test_pending_signups_are_not_scored(client, stream, mailbox):
    submit(client, email="pending@acme.example", **GOOD_FIT)
    stream.pump()
    [view] = client.http.get("/leads?email=pending@acme.example", headers=ADMIN).json_body["leads"]
    assert view["stage"] == "subscriber" and view["scoring"]["score"] is None


@pytest.mark.parametrize(
    "body, error",
    [
        ({"type": "telepathy"}, "type"),
        ({"type": "page_view"}, "url"),
        ({"type": "webinar_attended"}, "type"),  # server-side only
        ({"type": "page_view", "url": "javascript:alert(1)"}, "data.url"),
        ({"type": "demo_request", "at": "2020-01-01T00:00:00Z"}, "at"),
    ],
)
def test_events_with_an_unknown_type_or_bad_data_are_400_and_store_nothing(client, stream, mailbox, body, error):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox)
    before = len(stored_activities(lead_id))
    response = send_event(client, lead_token, **body)
    assert response.status_code == 400 and error in response.json_body["errors"]
    assert len(stored_activities(lead_id)) == before


def test_events_with_a_bad_token_are_400_and_store_nothing(client, stream, mailbox):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox)
    before = len(stored_activities(lead_id))
    forged = lead_token[:-2] + ("AA" if not lead_token.endswith("AA") else "BB")
    for token in (forged, "", None):
        response = send_event(client, token, type="demo_request")
        assert response.status_code == 400 and "lead" in response.json_body["errors"]
    assert len(stored_activities(lead_id)) == before


def test_events_answer_cors_for_the_playbooks_origins_only(client, stream, mailbox):
    _, lead_token = confirmed_lead(client, stream, mailbox)
    allowed = send_event(client, lead_token, origin="http://localhost:8001", type="pricing_page_view")
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8001"
    other = send_event(client, lead_token, origin="https://evil.example", type="pricing_page_view")
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.http.options("/events", headers={"Origin": "http://localhost:8001"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"


def test_open_pixel_and_click_record_activities_and_machines_are_flagged_without_points(
    client, stream, mailbox, services, clock
):
    lead_id, _ = confirmed_lead(client, stream, mailbox)
    sent = clock.now()
    public = services.settings.public_url
    pixel = open_url(services.signer, public, lead_id, "mail-1", sent).removeprefix(public)
    link = click_url(services.signer, public, lead_id, "mail-1", sent, "https://www.leadflow.example/pricing")
    link = link.removeprefix(public)

    scanned = client.http.get(link, headers={"User-Agent": BROWSER})  # within seconds of sending
    assert scanned.status_code == 302
    clock.advance(3600)
    image = client.http.get(pixel, headers={"User-Agent": BROWSER, "Accept": "image/*"})
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/gif" and image.body.startswith(b"GIF")
    client.http.get(link + "?url=https://evil.example", headers={"User-Agent": "Mimecast-Scanner/1.0"})
    assert client.http.head(pixel, headers={"User-Agent": BROWSER}).status_code in (200, 204)
    followed = client.http.get(link + "?url=https://evil.example", headers={"User-Agent": BROWSER})
    assert followed.status_code == 302 and followed.headers["Location"] == "https://www.leadflow.example/pricing"
    stream.pump()

    hits = [(a.type, a.flagged) for a in stored_activities(lead_id) if a.source == "email"]
    assert sorted(hits, key=str) == sorted(
        [
            ("email_click", "too soon after sending"),
            ("email_open", None),
            ("email_click", "scanner user agent"),
            ("email_click", None),
        ],
        key=str,
    )
    breakdown = {c["rule"]: c for c in lead(client, lead_id)["scoring"]["breakdown"]}
    assert breakdown["email_click"]["detail"].startswith("1×") and breakdown["email_open"]["points"] == 1


def test_a_tampered_click_link_is_404_and_records_nothing(client, stream, mailbox, services):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox)
    assert client.http.get(f"/t/c/{lead_token}").status_code == 404  # a token for another purpose
    assert client.http.get("/t/c/k1.bm90aGluZw.bad").status_code == 404
    assert client.http.get(f"/t/o/{lead_token}", headers={"Accept": "image/gif"}).status_code == 200
    assert not [a for a in stored_activities(lead_id) if a.source == "email"]


def test_admin_adds_a_past_server_side_activity_and_edits_the_profile_and_both_rescore(client, stream, mailbox, clock):
    lead_id, _ = confirmed_lead(client, stream, mailbox, email="bob@gmail.com")
    assert lead(client, lead_id)["scoring"]["fit"] == -15

    yesterday = iso(clock.now() - timedelta(days=1))
    added = client.http.post(
        f"/leads/{lead_id}/activities",
        headers={**ADMIN, "Content-Type": "application/json"},
        body=json.dumps({"type": "webinar_attended", "at": yesterday, "data": {"webinar": "w-12"}}),
    )
    assert added.status_code == 201 and added.json_body["at"] == yesterday
    edited = client.http.patch(
        f"/leads/{lead_id}",
        headers={**ADMIN, "Content-Type": "application/json"},
        body=json.dumps({"profile": GOOD_FIT}),
    )
    assert edited.status_code == 200 and edited.json_body["profile"]["industry"] == "software"
    stream.pump()

    view = lead(client, lead_id)
    assert view["scoring"]["fit"] == 55 - 15 and view["stage"] == "mql"
    assert {c["rule"] for c in view["scoring"]["breakdown"]} >= {"webinar_attended", "free_mail"}


def test_admin_routes_answer_404_for_unknown_leads_and_400_for_bad_input(client, stream, mailbox):
    lead_id, _ = confirmed_lead(client, stream, mailbox)
    json_admin = {**ADMIN, "Content-Type": "application/json"}
    assert (
        client.http.post(
            "/leads/nope/activities", headers=json_admin, body=json.dumps({"type": "webinar_attended"})
        ).status_code
        == 404
    )
    assert (
        client.http.patch(
            "/leads/nope", headers=json_admin, body=json.dumps({"profile": {"industry": "x"}})
        ).status_code
        == 404
    )
    assert (
        client.http.patch(
            f"/leads/{lead_id}", headers=json_admin, body=json.dumps({"profile": {"email": "x@y.z"}})
        ).status_code
        == 400
    )
    assert (
        client.http.post(
            f"/leads/{lead_id}/activities",
            headers=json_admin,
            body=json.dumps({"type": "webinar_attended", "at": "2999-01-01T00:00:00Z"}),
        ).status_code
        == 400
    )
    assert client.http.patch(f"/leads/{lead_id}", body=json.dumps({"profile": {"a": 1}})).status_code == 401


def test_a_redelivered_stream_batch_changes_nothing(client, stream, mailbox, clock):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    send_event(client, lead_token, type="demo_request")
    send_event(client, lead_token, type="pricing_page_view")
    delivered = stream.pump()
    before = lead(client, lead_id)
    versions = version(lead_id)

    assert stream.deliver(delivered) == {"batchItemFailures": []}
    assert stream.deliver(delivered) == {"batchItemFailures": []}
    assert stream.records() == []  # nothing written, so nothing new on the stream
    assert version(lead_id) == versions and lead(client, lead_id) == before
    assert len(before["stage_changes"]) == 2


def test_two_activities_processed_concurrently_one_retries_and_the_score_has_both(client, stream, mailbox, services):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    send_event(client, lead_token, type="whitepaper_download")
    [first] = stream.records()

    real_write, writes = services.scores.write, []

    def write_after_the_other_consumer(scored_lead, write):
        writes.append(write.score.engagement)
        if len(writes) == 1:
            # meanwhile a second activity arrives and its record is handled
            # first (another consumer, the decay job, ...)
            send_event(client, lead_token, type="pricing_page_view")
            stream.pump()
        return real_write(scored_lead, write)

    services.scores.write = write_after_the_other_consumer
    assert stream.deliver([first]) == {"batchItemFailures": []}

    # 5 form + 10 whitepaper; then the other consumer's 5 + 10 + 8; the
    # first write lost on the version and the retry found nothing to add
    assert writes == [15, 23]
    assert lead(client, lead_id)["scoring"]["engagement"] == 23


def test_decay_job_rescores_due_leads_through_the_index_and_never_scans(client, stream, mailbox, clock, monkeypatch):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    other_id, other_token = confirmed_lead(client, stream, mailbox, email="cold@acme.example")
    send_event(client, lead_token, type="whitepaper_download")
    send_event(client, lead_token, type="pricing_page_view")  # 55 + 5 + 10 + 8 = 78: hot
    stream.pump()
    view = lead(client, lead_id)
    assert view["temperature"] == "hot"
    due = view["scoring"]["next_rescore_at"]
    assert due and lead(client, other_id)["scoring"]["next_rescore_at"] > due

    def no_scan(*args, **kwargs):
        raise AssertionError("the decay job must not scan")

    monkeypatch.setattr("pynamodb.connection.base.Connection.scan", no_scan)
    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    assert client.lambda_.invoke("rescore_decayed", scheduled).payload == {"rescored": 0, "unchanged": 0}

    clock.advance((datetime_of(due) - clock.now()).total_seconds())
    assert client.lambda_.invoke("rescore_decayed", scheduled).payload == {"rescored": 1, "unchanged": 0}
    view = lead(client, lead_id)
    assert view["score"] == 77 and view["stage"] == "mql"  # the next point decayed; a stage never goes back
    assert view["scoring"]["next_rescore_at"] > due
    stream.pump()  # the job's own write does not trigger the scoring reaction again
    assert lead(client, lead_id) == view


def datetime_of(text):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_only_a_sales_outcome_moves_an_sql_on_and_a_recycled_lead_requalifies_on_new_activity(
    client, stream, mailbox, services, clock
):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    send_event(client, lead_token, type="demo_request")
    stream.pump()
    assert lead(client, lead_id)["stage"] == "sql"

    clock.advance(3600)
    change = services.scorer.record_sales_outcome(lead_id, "recycle", "no budget this year")
    assert (change.from_stage, change.to_stage) == ("sql", "lead")
    send_event(client, lead_token, type="page_view", url="https://www.leadflow.example/")
    stream.pump()
    assert lead(client, lead_id)["stage"] == "lead"  # the old demo request no longer qualifies

    clock.advance(3600)
    send_event(client, lead_token, type="contact_request")
    stream.pump()
    view = lead(client, lead_id)
    assert view["stage"] == "sql"
    assert [c["to_stage"] for c in view["stage_changes"]] == ["lead", "sql", "lead", "sql"]


def test_a_score_write_from_a_stale_read_is_refused_on_the_version(client, stream, mailbox, services, clock):
    from chalicelib.scoring.plan import ScoreWrite
    from chalicelib.storage.errors import VersionConflict

    lead_id, lead_token = confirmed_lead(client, stream, mailbox)
    stale = services.scores.lead(lead_id)
    send_event(client, lead_token, type="pricing_page_view")
    stream.pump()
    for write in (
        ScoreWrite(at=iso(clock.now())),  # a plain UpdateItem
        ScoreWrite(at=iso(clock.now()), stage_change=StageChange("lead", "mql", "test")),
    ):  # a transaction
        with pytest.raises(VersionConflict):
            services.scores.write(stale, write)
    assert len(lead(client, lead_id)["stage_changes"]) == 1


def test_opening_the_same_mail_again_scores_no_second_point(client, stream, mailbox, services, clock):
    lead_id, _ = confirmed_lead(client, stream, mailbox)
    public = services.settings.public_url
    pixel = open_url(services.signer, public, lead_id, "mail-1", clock.now()).removeprefix(public)
    other = open_url(services.signer, public, lead_id, "mail-2", clock.now()).removeprefix(public)
    for _ in range(3):
        clock.advance(3600)
        assert client.http.get(pixel, headers={"User-Agent": BROWSER, "Accept": "image/gif"}).status_code == 200
    stream.pump()
    [opens] = [c for c in lead(client, lead_id)["scoring"]["breakdown"] if c["rule"] == "email_open"]
    assert (opens["points"], opens["detail"]) == (1, "1× after decay")

    client.http.get(other, headers={"User-Agent": BROWSER, "Accept": "image/gif"})
    stream.pump()
    [opens] = [c for c in lead(client, lead_id)["scoring"]["breakdown"] if c["rule"] == "email_open"]
    assert opens["points"] == 2
    assert len([a for a in stored_activities(lead_id) if a.type == "email_open"]) == 4  # every hit is kept


def test_reposting_someone_elses_address_never_moves_their_lead_to_sql(client, stream, mailbox, clock):
    lead_id, lead_token = confirmed_lead(client, stream, mailbox, **GOOD_FIT)
    send_event(client, lead_token, type="whitepaper_download")
    send_event(client, lead_token, type="pricing_page_view")
    stream.pump()
    before = lead(client, lead_id)
    assert before["stage"] == "mql" and before["score"] == 78

    for _ in range(4):
        clock.advance(60)
        assert submit(client, email="ann@acme.example", **GOOD_FIT).status_code == 202
    stream.pump()
    after = lead(client, lead_id)
    assert after["stage"] == "mql" and after["score"] == 78
    assert [c["to_stage"] for c in after["stage_changes"]] == ["lead", "mql"]


def test_a_score_below_every_band_stays_fresh_and_the_lead_list_orders_by_fresh_scores(
    client, stream, mailbox, clock, services
):
    from chalicelib.scoring.rules import score, scoring_profile

    stale_id, stale_token = confirmed_lead(client, stream, mailbox, email="stale@acme.example")
    for page in ("a", "b", "c"):
        send_event(client, stale_token, type="page_view", url=f"https://www.leadflow.example/{page}")
    stream.pump()
    assert lead(client, stale_id)["score"] == 8  # 5 + 3: below every band and threshold

    scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    for _ in range(8 * 7):  # eight weeks of the job (daily here; the property test tries any times)
        clock.advance(24 * 3600)
        client.lambda_.invoke("rescore_decayed", scheduled)
    fresh_id, _ = confirmed_lead(client, stream, mailbox, email="fresh@acme.example")  # 5
    stream.pump()

    stored = services.scores.lead(stale_id)
    now = clock.now()
    pure = score(
        scoring_profile(stored.profile, stored.email),
        services.scores.activities(stale_id, now - timedelta(days=365), ("form_id", "mail_id")),
        services.playbook.scoring,
        now,
    )
    assert pure.total == 2 and abs(lead(client, stale_id)["score"] - pure.total) <= 1
    listed = client.http.get("/leads?stage=lead", headers=ADMIN).json_body["leads"]
    assert [item["lead_id"] for item in listed] == [fresh_id, stale_id]


def test_the_lead_token_expires_after_30_days_unless_a_confirmed_visit_renews_it(client, stream, mailbox, clock):
    lead_id, first = confirmed_lead(client, stream, mailbox)
    clock.advance(20 * 86400)
    accepted = send_event(client, first, type="pricing_page_view")
    assert accepted.status_code == 202
    renewed = accepted.json_body["lead"]
    before = len(stored_activities(lead_id))

    clock.advance(15 * 86400)  # 35 days after the confirmation, 15 after the last visit
    expired = send_event(client, first, type="demo_request")
    assert expired.status_code == 400 and "lead" in expired.json_body["errors"]
    assert len(stored_activities(lead_id)) == before
    assert send_event(client, renewed, type="pricing_page_view").status_code == 202
    assert len(stored_activities(lead_id)) == before + 1


def test_confirming_again_renews_the_lead_token_and_only_the_redirect_carries_it(client, stream, mailbox, clock):
    lead_id, first = confirmed_lead(client, stream, mailbox)
    clock.advance(3 * 86400)
    answer = client.http.post(f"/confirm/{mailbox.confirm_tokens()[-1]}")
    assert answer.status_code == 303
    again = parse_qs(urlsplit(answer.headers["Location"]).query)["lead"][0]
    assert again != first
    clock.advance(29 * 86400)  # 32 days after the first confirmation
    assert send_event(client, first, type="pricing_page_view").status_code == 400
    assert send_event(client, again, type="pricing_page_view").status_code == 202
