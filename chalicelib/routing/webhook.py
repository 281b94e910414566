"""Rep webhooks (Slack-compatible JSON): POST with an HMAC signature over
timestamp and body, retried with exponential backoff on network errors,
timeouts, 429 and 5xx. It never raises: the caller records a failure and
the assignment and the e-mail stand regardless."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Leadflow-Signature"
TIMESTAMP_HEADER = "X-Leadflow-Timestamp"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` + hex HMAC-SHA256 of `<timestamp>.<body>` (the receiver checks
    it and rejects old timestamps, so a captured call cannot be replayed)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    attempts: int
    error: str | None = None
    final: bool = False  # the receiver refused: retrying later won't help either


class WebhookPoster:
    def __init__(self, config, sleep: Callable[[float], None] = time.sleep, opener=urllib.request.urlopen):
        self._config = config  # playbook routing.webhooks
        self._sleep = sleep
        self._open = opener

    def post(self, url: str, secret: str, payload: Mapping[str, Any], timestamp: int) -> WebhookResult:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            "User-Agent": "Leadflow-Webhook/1",
        }
        error = None
        for attempt in range(1, self._config.attempts + 1):
            if attempt > 1:
                self._sleep(self._config.backoff_seconds * 2 ** (attempt - 2))
            try:
                request = urllib.request.Request(url, data=body, headers=headers, method="POST")
                with self._open(request, timeout=self._config.timeout_seconds) as answer:
                    answer.read()
                return WebhookResult(True, attempt)
            except urllib.error.HTTPError as failed:
                error = f"HTTP {failed.code}"
                if failed.code < 500 and failed.code != 429:
                    return WebhookResult(False, attempt, error, final=True)  # the receiver refuses: retrying won't help
            except (urllib.error.URLError, OSError) as failed:
                error = type(failed).__name__
        return WebhookResult(False, self._config.attempts, error)
