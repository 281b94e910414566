from urllib.parse import parse_qs, urlsplit

from .conftest import ADMIN, submit


def test_signup_is_stored_pending_and_mailed_once_then_confirmed(client, stream, mailbox):
    response = submit(client, first_name="Ann", country="DE", utm_source="ads")
    assert response.status_code == 202
    assert response.json_body == {"status": "pending_confirmation"}

    stream.pump()
    stream.pump()
    assert len(mailbox.messages()) == 1
    [token] = mailbox.confirm_tokens()

    lead = client.http.get("/leads?email=ANN@example.com", headers=ADMIN).json_body["leads"][0]
    assert lead["status"] == "pending"

    page = client.http.get(f"/confirm/{token}")
    assert page.status_code == 200 and b'<form method="post"' in page.body
    assert client.http.get(f"/leads/{lead['lead_id']}", headers=ADMIN).json_body["status"] == "pending"

    confirmed = client.http.post(f"/confirm/{token}", headers={"User-Agent": "pytest-browser"})
    assert confirmed.status_code == 303
    target = urlsplit(confirmed.headers["Location"])
    assert target.path == "/confirmed.html" and "lead" in parse_qs(target.query)

    lead = client.http.get(f"/leads/{lead['lead_id']}", headers=ADMIN).json_body
    assert lead["status"] == "confirmed" and lead["stage"] == "lead"
    [consent] = lead["consents"]
    assert consent["confirmed_user_agent"] == "pytest-browser"
    assert consent["consent_version"] == "2026-11-01"
    assert consent["attribution"] == {"utm_source": "ads"}
    assert [c["to_stage"] for c in lead["stage_changes"]] == ["lead"]
