import io
import logging

from chalicelib import logs
from chalicelib.logs import redact

from .conftest import submit


def test_redaction_masks_addresses_and_ips_but_not_times():
    assert (
        redact("mail to ann@example.com from 198.51.100.7 / 2001:db8::1:2:3 / fe80:0:0:0:1:2:3:4 at 09:00:00")
        == "mail to [email] from [ip] / [ip] / [ip] at 09:00:00"
    )


def test_a_full_signup_flow_logs_no_address_name_or_ip(client, stream, mailbox, services, monkeypatch):
    from app import app

    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    root = logging.getLogger()
    root.addHandler(handler)
    app.log.addHandler(handler)  # Chalice's logger does not propagate
    monkeypatch.setattr(root, "level", logging.INFO)
    logs.install(app.log)
    try:
        submit(
            client, email="ann.person@example.com", first_name="Annegret", headers={"X-Forwarded-For": "203.0.113.9"}
        )
        submit(client, email="bad-input", first_name="Annegret")
        stream.pump()
        token = mailbox.confirm_tokens()[0]
        client.http.post(f"/confirm/{token}")
        stream.pump()  # funnel counters, scoring
        admin = {"Authorization": "Bearer test-admin-token"}
        lead_id = client.http.get("/leads?email=ann.person@example.com", headers=admin).json_body["leads"][0]["lead_id"]
        client.http.get(f"/leads/{lead_id}/export", headers=admin)
        client.http.delete(f"/leads/{lead_id}", headers=admin)
        stream.pump()
        app.log.error("careless: %s at %s", "ann.person@example.com", "203.0.113.9")
    finally:
        root.removeHandler(handler)
        app.log.removeHandler(handler)
    text = captured.getvalue()
    assert "careless: [email] at [ip]" in text  # the capture works and records were redacted
    assert "stream opt-in mail" in text and "stream funnel counters" in text
    for secret in ("ann.person", "example.com", "Annegret", "203.0.113.9"):
        assert secret not in text
