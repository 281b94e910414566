"""The lead list's source/campaign filter and last activity over HTTP on the local stack."""

import uuid

import pytest
import requests

from .test_local_stack import address, confirm_link

pytestmark = pytest.mark.e2e


def test_the_lead_list_filters_by_source_and_shows_the_last_activity_over_http(api):
    source = f"src-{uuid.uuid4().hex[:8]}"  # the stack is shared by the module: a source of this test's own
    mine, other = address("mine"), address("other")
    assert api.submit(mine, utm_source=source, utm_campaign="spring").status_code == 202
    assert api.submit(other, utm_source="elsewhere", utm_campaign="spring").status_code == 202
    api.drain()
    for email in (mine, other):
        [mail] = api.mail_to(email)
        assert requests.post(confirm_link(mail), allow_redirects=False, timeout=10).status_code == 303
    api.drain()
    answer = requests.get(f"{api.url}/leads", params={"stage": "lead", "source": source}, headers=api.admin, timeout=10)
    assert answer.status_code == 200, answer.text
    [lead] = answer.json()["leads"]
    assert lead["email"] == mine and lead["attribution"]["utm_source"] == source
    assert lead["last_activity_at"]  # the signup's form post is an activity
    bad = requests.get(f"{api.url}/leads", params={"stage": "lead", "source": "x" * 101}, headers=api.admin, timeout=10)
    assert bad.status_code == 400
