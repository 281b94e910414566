"""A hanging CRM webhook receiver on the local stack: the webhooks wait in
their own queue, and signups go on getting their opt-in mail meanwhile."""

import re
import time
import uuid

import pytest
import requests

from infra.local.crm_receiver import SECRET_VARIABLE, CrmReceiver, subscribed_playbook
from infra.local.launch import start_stack

pytestmark = pytest.mark.e2e

SIGNUPS = 50
TIMEOUT = 5  # the playbook's webhook timeout, seconds
HANG = 600  # the receiver holds every request this long (released at the end)
# the stack retries each failed post after a second: some post is always waiting


def _submit(stack, email: str) -> None:
    body = {"email": email, "consent": True, "_render_token": stack.render_token()}
    answer = requests.post(f"{stack.api}/forms/demo/submissions", json=body, timeout=10)
    assert answer.status_code == 202, answer.text


def _mail(api: str, email: str) -> dict:
    # polled, not drained: a drain would wait for the webhook queue's work too
    for _ in range(3000):
        messages = requests.get(f"{api}/_local/mailbox", params={"to": email}, timeout=10).json()["messages"]
        if messages:
            return messages[0]
        time.sleep(0.02)
    raise AssertionError(f"no opt-in mail to {email}")


def test_opt_in_mails_arrive_while_the_crm_receiver_hangs(tmp_path):
    with CrmReceiver(delay=HANG) as crm:
        playbook = subscribed_playbook(tmp_path / "playbook.yaml", crm.url, timeout_seconds=TIMEOUT, retry_seconds=1)
        stack = start_stack(
            tmp_path / "stack.log", LEADFLOW_PLAYBOOK=str(playbook), **{SECRET_VARIABLE: "local-crm-secret-0123456789"}
        )
        try:
            api = stack.api
            # a confirmation: lead.confirmed and lead.stage_changed go to the hanging receiver
            first = f"first-{uuid.uuid4().hex[:8]}@example.com"
            _submit(stack, first)
            link = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+", _mail(api, first)["text"]).group(0)
            assert requests.post(link, allow_redirects=False, timeout=10).status_code == 303
            for _ in range(3000):
                if crm.waiting:
                    break
                time.sleep(0.02)

            signups = [f"signup-{n}-{uuid.uuid4().hex[:8]}@example.com" for n in range(SIGNUPS)]
            for number, email in enumerate(signups):
                if number % 25 == 0:  # past the playbook's per-IP limit (30 an hour, all from loopback)
                    requests.post(f"{api}/_local/clock", json={"advance_seconds": 3600}, timeout=10)
                _submit(stack, email)
            # inline posting would hold every mail back while a post waits
            mailed, sender_waiting = {}, []
            for email in signups:
                mailed[email] = _mail(api, email)
                sender_waiting.append(crm.waiting)
        finally:
            stack.stop()
    assert all(m["tags"]["kind"] == "opt_in" for m in mailed.values())
    # mails kept arriving while the stack waited for the receiver, which never answered
    assert any(sender_waiting) and crm.answered == 0, sender_waiting
    # what reached the receiver is the confirmed lead's events (which one came
    # first depends on the pump's timing, not on the guarantee)
    assert crm.bodies and all(b'"type":"lead.' in body for body in crm.bodies)
