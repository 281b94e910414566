"""The webhook queue's consumer: each message on its own (Powertools'
BatchProcessor), so an unreadable message is reported alone and, after the
queue's maxReceiveCount, moves to the dead-letter queue. A failing receiver
is not a failing message: its retry is a new, delayed message."""

from __future__ import annotations

import logging

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from ..queues import webhook_message

log = logging.getLogger(__name__)


def process_webhook_messages(event: dict, outbound) -> dict:
    def handle(record) -> None:
        delivery_id, attempt, not_before = webhook_message(record.body)
        log.info("webhook message %s: %s", record.message_id, outbound.deliver(delivery_id, attempt, not_before))

    # raises when every message failed, so Lambda retries the whole batch
    return process_partial_response(event=event, record_handler=handle, processor=BatchProcessor(EventType.SQS))
