"""On a fresh `make run`, over HTTP: a rep's outcome reaches the prediction
counters through the local stack's stream pump, the lead says
`insufficient_data` (the shipped playbook wants 50 closed leads), the
weekly rebuild agrees with the counters, and erasure takes the outcome out."""

import pytest
import requests

from .test_local_stack import address
from .test_routing_local import sql_lead

pytestmark = pytest.mark.e2e


def post(api, path, **body):
    answer = requests.post(f"{api.url}{path}", json=body, headers=api.admin, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def run(api, schedule):
    answer = requests.post(f"{api.url}/_local/schedules/{schedule}", timeout=60)
    assert answer.status_code == 200 and answer.json()["last_ok"], answer.text
    api.drain()


def closed_outcomes(api, email):
    """What the model has counted, as a lead's prediction says after an edit
    of its facts (its prediction is refreshed)."""
    lead_id = api.lead(email)["lead_id"]
    job = f"Job {closed_outcomes.edits}"
    closed_outcomes.edits += 1
    answer = requests.patch(
        f"{api.url}/leads/{lead_id}", json={"profile": {"job_title": job}}, headers=api.admin, timeout=30
    )
    assert answer.status_code == 200, answer.text
    api.drain()
    prediction = api.lead(email)["prediction"]
    assert prediction["status"] == "insufficient_data" and prediction["min_outcomes"] == 50
    return prediction["closed_outcomes"]


closed_outcomes.edits = 0


def test_an_outcome_over_http_is_counted_survives_the_rebuild_and_is_erased(api):
    watcher, email = address("watcher"), address("closed")
    sql_lead(api, watcher)
    sql_lead(api, email)
    before = closed_outcomes(api, watcher)
    lead_id = api.lead(email)["lead_id"]
    post(api, f"/assignments/{lead_id}/accept")
    post(api, f"/assignments/{lead_id}/outcome", outcome="won")
    api.drain()

    shown = api.lead(email)
    assert shown["stage"] == "customer" and shown["prediction"]["closed_outcomes"] == before + 1
    assert "prediction_outcomes" in {entry["kind"] for entry in shown["timeline"]}
    run(api, "rebuild_prediction")
    assert closed_outcomes(api, watcher) == before + 1  # the recount agrees

    erased = requests.delete(f"{api.url}/leads/{lead_id}", headers=api.admin, timeout=30).json()
    assert erased["released"]["release_prediction"] == 1
    api.drain()
    assert closed_outcomes(api, watcher) == before
