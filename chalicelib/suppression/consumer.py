"""The SES events queue's consumer: each SQS message on its own (Powertools'
BatchProcessor), so one bad message is reported as the batch's only failure
and redelivered alone; after the queue's maxReceiveCount it moves to the
dead-letter queue (infra/resources.yaml). Every write is conditional, so a
redelivered message changes nothing."""

from __future__ import annotations

import logging

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from .ses_events import feedback_from_body

log = logging.getLogger(__name__)


def process_ses_events(event: dict, suppression, reputation) -> dict:
    """Suppress, then count for the sending reputation (both idempotent)."""

    def handle(record) -> None:
        for feedback in feedback_from_body(record.body):
            log.info(
                "ses message %s: %s; %s", record.message_id, suppression.apply(feedback), reputation.feedback(feedback)
            )

    # raises when every message failed, so Lambda retries the whole batch
    return process_partial_response(event=event, record_handler=handle, processor=BatchProcessor(EventType.SQS))
