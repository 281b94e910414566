"""A recycled lead (the `recycle` outcome) returns to nurture: it joins the
sequence the playbook marks for recycled leads, not the welcome mails again."""

import json

from .test_nurture_flow import DAY, stored_lead, subjects, tick, timer  # noqa: F401
from .test_routing_flow import JSON_ADMIN, put_rep, queue, sql_lead  # noqa: F401


def test_a_recycled_lead_joins_the_recycled_sequence_and_gets_its_mail(client, stream, mailbox, queue, clock, timer):
    put_rep(client, "ann")
    lead_id = sql_lead(client, stream, mailbox, "recycled@acme.example")
    queue.pump()
    assert "recycled" not in stored_lead(lead_id).nurture.as_dict()  # never recycled: not enrolled

    def act(action, **body):
        answer = client.http.post(f"/assignments/{lead_id}/{action}", headers=JSON_ADMIN, body=json.dumps(body))
        assert answer.status_code == 200, answer.body

    act("accept")
    clock.advance(60)
    act("outcome", outcome="recycle", note="no budget before Q3")
    stream.pump()

    stored = stored_lead(lead_id)
    assert stored.stage == "lead" and stored.nurture.as_dict()["recycled"]["step"] == 0
    before = subjects(mailbox)
    clock.advance(3 * DAY + 3600)  # the step's delay; 11:00 in Berlin, outside quiet hours
    assert tick(client) == {"sent": 1}
    [new] = subjects(mailbox)[len(before) :]
    assert new == "Wir bleiben gern in Kontakt"  # the demo form's leads read German
    assert stored_lead(lead_id).nurture.as_dict()["welcome"]["ended"] == "stage sql"  # no welcome again
