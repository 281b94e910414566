"""SES's own view of the sending account (SESv2 GetAccount): enforcement
status (HEALTHY, PROBATION, SHUTDOWN), whether sending is enabled, the quota.
SES's reputation metrics and account-level suppression are not in moto; on
the local stack this answers `available: false` with the reason."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class SesAccount:
    def __init__(self, client):
        self._client = client

    def status(self) -> dict:
        try:
            account = self._client.get_account()
        except Exception as error:  # the report stands without SES's view (moto lacks the call)
            log.warning("sesv2 GetAccount failed: %s", error)
            return {"available": False, "reason": f"sesv2 GetAccount failed: {type(error).__name__}"}
        quota = account.get("SendQuota") or {}
        return {
            "available": True,
            "enforcement_status": account.get("EnforcementStatus"),
            "sending_enabled": account.get("SendingEnabled"),
            "production_access": account.get("ProductionAccessEnabled"),
            "send_quota": {
                "max_24_hour_send": quota.get("Max24HourSend"),
                "max_send_rate": quota.get("MaxSendRate"),
                "sent_last_24_hours": quota.get("SentLast24Hours"),
            },
        }
