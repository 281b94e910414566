"""The routing queue's consumer: messages one by one with Powertools' FIFO
processor, which reports a failed message and the later ones of its message
group (order per lead must hold; other leads go on) for redelivery; after the queue's maxReceiveCount
a message moves to the dead-letter queue (infra/resources.yaml). The router
never fails for want of a rep (the SQL is kept unassigned), so what reaches
the dead-letter queue is a message that cannot be read, or an outage that
outlasted every retry."""

from __future__ import annotations

import logging

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from ..queues import routing_message

log = logging.getLogger(__name__)


def process_routing_messages(event: dict, router) -> dict:
    def handle(record) -> None:
        lead_id, key = routing_message(record.body)
        log.info("routing message %s: %s", record.message_id, router.route(lead_id, key))

    return process_partial_response(
        event=event, record_handler=handle, processor=SqsFifoPartialProcessor(skip_group_on_error=True)
    )
