"""Concurrent submissions of one address over HTTP against the local stack
(its server is threaded): every answer is the documented one, nothing is
lost, one lead, one opt-in mail."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.e2e

CONCURRENT = 20


def test_concurrent_posts_of_one_address_answer_202_or_429_and_each_202_is_stored(api):
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"
    token = api.render_token()

    def post(n: int) -> requests.Response:
        return api.submit(email, token, first_name=f"Racer{n}")

    with ThreadPoolExecutor(CONCURRENT) as pool:
        answers = list(pool.map(post, range(CONCURRENT)))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {202, 429}, [(a.status_code, a.text) for a in answers]
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers if a.status_code == 429)
    accepted = statuses.count(202)
    assert accepted >= 1
    api.drain()
    lead = api.lead(email)
    assert len(lead["consents"]) == accepted
    assert len([a for a in lead["activities"] if a["type"] == "form_submitted"]) == accepted
    assert len(api.mail_to(email)) == 1
