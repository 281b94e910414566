"""The event pump: feeds the app's non-HTTP handlers the way Lambda would.

Handlers are discovered from `app.event_sources` (never named here) and
invoked through `app.handler_map[name](event, context)`:
- DynamoDB stream handlers get their table's stream records in Lambda's shape,
  per shard, at most `batch_size` at a time. A reported failure
  (`batchItemFailures`) or a raise retries from the first failed record; after
  `stream_retries` retries that record is parked on the on-failure queue (the
  metadata message Lambda sends there) and the shard moves on, as a
  bisecting event source mapping would end up doing.
- SQS handlers get messages with the queue's own visibility timeout; only the
  records that succeeded are deleted (ReportBatchItemFailures semantics), a
  raise deletes none, and the queue's redrive policy moves a message to its
  DLQ after maxReceiveCount receives.
- Scheduled handlers fire at their rate or cron, measured on the stack's
  clock: advancing the clock past a due time fires the job once.
A handler that raises is logged with its event and the pump goes on.

Each source runs on its own thread, as each function has its own Lambda: a
slow handler (a webhook receiver that hangs) holds up only its own source.
An idle source sleeps: queues are long-polled (WaitTimeSeconds), the stream
reader waits for a table write (table_writes), so an idle stack is idle."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext

from . import table_writes
from .schedules import Schedule, expression_text
from .streams import StreamReader

log = logging.getLogger("local_stack.pump")

SQS_MAX_RECEIVE = 10  # per ReceiveMessage call
SQS_MAX_WAIT = 20  # seconds, the longest long poll SQS allows


class Source(Protocol):
    name: str

    def poll(self, wait: float = 0) -> bool:
        """Deliver what is waiting, first waiting up to `wait` seconds for
        something to arrive; True if anything was delivered."""

    def pending(self) -> bool:
        """Whether work has arrived that is not handled yet (asked now)."""

    def wake(self) -> None:
        """End a wait early (the pump stops)."""


class Invoker:
    """Calls one handler like Lambda does and logs a raise with its event."""

    def __init__(self, app, function_prefix: str):
        self._app = app
        self.function_prefix = function_prefix
        self._running = 0
        self._done = threading.Condition()

    def __call__(self, name: str, event: dict) -> tuple[bool, Any]:
        context = LambdaContext(function_name=f"{self.function_prefix}-{name}", memory_size=512, max_runtime_ms=900_000)
        with self._done:
            self._running += 1
        try:
            return True, self._app.handler_map[name](event, context)
        except Exception:
            log.exception("handler %s raised on event %s", name, json.dumps(event, default=str))
            return False, None
        finally:
            with self._done:
                self._running -= 1
                self._done.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Until no handler runs (the pump stops)."""
        with self._done:
            return self._done.wait_for(lambda: self._running == 0, timeout)


def _failed(ok: bool, result: Any, identifiers: list[str]) -> list[int]:
    """Indexes of a batch's failed records, from the handler's answer
    (`batchItemFailures`). A raise, or an answer naming an unknown record,
    fails the whole batch, as Lambda does."""
    if not ok:
        return list(range(len(identifiers)))
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    try:
        return sorted({identifiers.index(f["itemIdentifier"]) for f in failures or []})
    except (KeyError, TypeError, ValueError):
        return list(range(len(identifiers)))


@dataclass
class StreamSource:
    name: str
    reader: StreamReader
    batch_size: int
    invoke: Invoker
    park: Callable[[str, str, dict, int], None]
    retries: int
    writes: table_writes.Writes = field(default_factory=table_writes.install)
    _buffers: dict[str, list[dict]] = field(default_factory=dict)
    _attempts: dict[str, int] = field(default_factory=dict)
    _read_upto: int = -1  # table writes whose records have all been delivered

    def pending(self) -> bool:
        return any(self._buffers.values()) or self.writes.count != self._read_upto

    def wake(self) -> None:
        self.writes.wake()

    def poll(self, wait: float = 0) -> bool:
        if not self.pending():
            self.writes.wait(self._read_upto, wait)
        seen, busy, exhausted = self.writes.count, False, True
        for shard in self.reader.shards():
            buffer = self._buffers.setdefault(shard, [])
            if len(buffer) < self.batch_size:
                wanted = self.batch_size - len(buffer)
                fresh = self.reader.read_shard(shard, wanted)
                exhausted = exhausted and len(fresh) < wanted
                buffer += fresh
            if buffer:
                busy = True
                self._deliver(shard, buffer)
        if not busy and exhausted:
            self._read_upto = seen  # every write up to `seen` was read and handled
        return busy

    def _deliver(self, shard: str, buffer: list[dict]) -> None:
        batch = buffer[: self.batch_size]
        ok, result = self.invoke(self.name, {"Records": batch})
        failed = _failed(ok, result, [r["dynamodb"]["SequenceNumber"] for r in batch])
        if not failed:
            del buffer[: len(batch)]
            return
        del buffer[: failed[0]]  # retry from the first failure
        sequence = buffer[0]["dynamodb"]["SequenceNumber"]
        self._attempts[sequence] = self._attempts.get(sequence, 0) + 1
        if self._attempts[sequence] > self.retries:
            self.park(self.name, shard, buffer.pop(0), self._attempts.pop(sequence))


@dataclass
class QueueSource:
    name: str
    client: Any
    url: str
    arn: str
    region: str
    batch_size: int
    invoke: Invoker

    def wake(self) -> None:
        pass  # a long poll ends by itself within its WaitTimeSeconds

    def poll(self, wait: float = 0) -> bool:
        messages = self._receive(min(SQS_MAX_WAIT, round(wait)))
        if not messages:
            return False
        records = [sqs_record(m, self.arn, self.region) for m in messages]
        ok, result = self.invoke(self.name, {"Records": records})
        # failed messages come back after the visibility timeout
        failed = set(_failed(ok, result, [r["messageId"] for r in records]))
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if i not in failed]
        for start in range(0, len(done), SQS_MAX_RECEIVE):
            self.client.delete_message_batch(QueueUrl=self.url, Entries=done[start : start + SQS_MAX_RECEIVE])
        return True

    def _receive(self, wait: int) -> list[dict]:
        messages: list[dict] = []
        while len(messages) < self.batch_size:
            wanted = min(SQS_MAX_RECEIVE, self.batch_size - len(messages))
            page = self.client.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=wanted,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                # only the first call waits: later ones take what is there
                WaitTimeSeconds=0 if messages else wait,
            ).get("Messages", [])
            messages += page
            if len(page) < wanted:
                break  # the queue had no more (asking again would count a receive)
        return messages

    def pending(self) -> bool:
        """Messages waiting or being handled (or back after their visibility
        timeout). A delayed message is not work yet: a webhook retry waits
        minutes to hours on purpose."""
        counts = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return any(int(v) for v in counts.values())


def sqs_record(message: dict, queue_arn: str, region: str) -> dict:
    """A received SQS message in the shape Lambda delivers it."""
    attributes = {}
    for name, value in message.get("MessageAttributes", {}).items():
        binary = value.get("BinaryValue")
        attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary else None,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


@dataclass
class ScheduledJob:
    name: str
    schedule: Schedule
    next_run: datetime
    runs: int = 0
    last_run: datetime | None = None
    last_ok: bool | None = None

    def describe(self) -> dict:
        return {
            "name": self.name,
            "expression": self.schedule.expression,
            "next_run": self.next_run.isoformat(),
            "runs": self.runs,
            "last_run": self.last_run.isoformat() if self.last_run else None,
            "last_ok": self.last_ok,
        }


class EventPump:
    def __init__(
        self,
        app,
        client: Callable[[str], Any],
        clock,
        deployment,
        region: str,
        account: str,
        on_failure_queue_url: str | None = None,
        stream_retries: int = 2,
        wait_seconds: float = 10,
    ):
        """`deployment` is what infra.resources.create_resources made: the
        handlers' tables and queues are looked up there by name."""
        self._app = app
        self._client = client
        self._clock = clock
        self._region = region
        self._account = account
        self._on_failure_url = on_failure_queue_url
        self._wait = wait_seconds  # how long an idle source sleeps before it looks again
        self.invoke = Invoker(app, f"{app.app_name}-local")
        self.sources: list[Source] = []
        self.jobs: dict[str, ScheduledJob] = {}
        self.ignored: list[str] = []
        self._handled = 0  # deliveries made by all sources
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        streams = {c.name: c.stream_arn for c in deployment.of_type("AWS::DynamoDB::Table") if c.stream_arn}
        queues = {c.name: c for c in deployment.of_type("AWS::SQS::Queue")}
        for config in app.event_sources:
            if isinstance(config, DynamoDBEventConfig):
                self._add_stream(config, streams, stream_retries)
            elif isinstance(config, SQSEventConfig):
                self._add_queue(config, queues)
            elif isinstance(config, ScheduledEventConfig):
                schedule = Schedule.parse(expression_text(config.schedule_expression))
                self.jobs[config.name] = ScheduledJob(config.name, schedule, schedule.next_after(clock.now()))
            else:
                self.ignored.append(f"{config.name} ({type(config).__name__}: not pumped locally)")

    # --- discovery -----------------------------------------------------------
    def _add_stream(self, config, streams: dict[str, str], retries: int) -> None:
        # the ARN in the decorator may be a placeholder: its table name counts
        table = config.stream_arn.split(":table/", 1)[-1].split("/", 1)[0]
        stream_arn = streams.get(table)
        if stream_arn is None:
            self.ignored.append(f"{config.name} (no local table '{table}' with a stream)")
            return
        reader = StreamReader(self._client("dynamodbstreams"), stream_arn, self._region)
        self.sources.append(StreamSource(config.name, reader, config.batch_size, self.invoke, self._park, retries))

    def _add_queue(self, config, queues: dict) -> None:
        name = config.queue or config.queue_arn.rsplit(":", 1)[-1]
        queue = queues.get(name)
        if queue is None:
            self.ignored.append(f"{config.name} (no local queue '{name}')")
            return
        self.sources.append(
            QueueSource(
                config.name, self._client("sqs"), queue.url, queue.arn, self._region, config.batch_size, self.invoke
            )
        )

    def _park(self, name: str, shard: str, record: dict, attempts: int) -> None:
        """What Lambda sends to a stream mapping's on-failure destination:
        where the failed records are, not the records themselves."""
        body = record["dynamodb"]
        created = datetime.fromtimestamp(body["ApproximateCreationDateTime"], UTC).isoformat()
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{self._region}:{self._account}:function:{self.invoke.function_prefix}-{name}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": self._clock.now().isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": body["SequenceNumber"],
                "endSequenceNumber": body["SequenceNumber"],
                "approximateArrivalOfFirstRecord": created,
                "approximateArrivalOfLastRecord": created,
                "batchSize": 1,
                "streamArn": record["eventSourceARN"],
            },
        }
        log.error("stream handler %s gave up on record %s after %d attempts", name, body["SequenceNumber"], attempts)
        if self._on_failure_url:
            self._client("sqs").send_message(QueueUrl=self._on_failure_url, MessageBody=json.dumps(message))

    # --- running -------------------------------------------------------------
    def _pump(self, source: Source) -> None:
        while not self._stop.is_set():
            try:
                delivered = source.poll(self._wait)
            except Exception:
                if self._stop.is_set():
                    return  # the embedded AWS is going away with us
                log.exception("pump: polling %s failed", source.name)
                self._stop.wait(1)
                continue
            if delivered:
                with self._cond:
                    self._handled += 1
                    self._cond.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until no source has work that arrived and is not handled, in
        a look at all sources during which none delivered anything: then
        everything produced before the call has been handled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            handled = self._handled
            if not any(source.pending() for source in self.sources) and handled == self._handled:
                return True
            with self._cond:
                self._cond.wait(0.01)
        return False

    def run_job(self, name: str) -> bool:
        job = self.jobs[name]
        now = self._clock.now()
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self._account,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "resources": [f"arn:aws:events:{self._region}:{self._account}:rule/{self.invoke.function_prefix}-{name}"],
            "detail": {},
        }
        ok, _ = self.invoke(name, event)
        job.runs, job.last_run, job.last_ok = job.runs + 1, now, ok
        return ok

    def run_due_jobs(self) -> bool:
        """Run the jobs that are due (once, however far the clock jumped)."""
        due = [job for job in self.jobs.values() if self._clock.now() >= job.next_run]
        for job in due:
            self.run_job(job.name)
            job.next_run = job.schedule.next_after(self._clock.now())
        return bool(due)

    def _loop(self, step: Callable[[], bool], pause: float) -> None:
        while not self._stop.is_set():
            if not step():
                self._stop.wait(pause)

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._pump, args=(source,), name=f"pump-{source.name}", daemon=True)
            for source in self.sources
        ]
        self._threads.append(
            threading.Thread(target=self._loop, args=(self.run_due_jobs, 0.2), name="pump-schedules", daemon=True)
        )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stops every source and waits for the handlers under way. A queue's
        long poll is not waited for: its daemon thread ends with the poll."""
        self._stop.set()
        for source in self.sources:
            source.wake()
        self.invoke.wait_idle(timeout)
        for thread in self._threads:
            thread.join(timeout=0.1)
