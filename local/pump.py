"""The local event pump: what Lambda's SQS event source mappings and EventBridge schedules do on AWS.

It reads the Chalice app's own registrations (`app.event_sources`) and invokes the very handler object
Lambda would (`app.handler_map[name]`: the `EventSourceHandler` with its middleware), with events
shaped like Lambda's:

- `@app.on_sqs_message`: polls the queue in the emulator (URL looked up by name, retried until the
  queue exists) and passes up to `batch_size` (max 10) records. The batch is deleted only when the
  handler returns; when it raises, the messages become visible again after the queue's visibility
  timeout, so redrive and dead-letter policies behave as on AWS (Chalice does not enable partial batch
  responses, so there are none here either).
- `@app.schedule`: fires a "Scheduled Event" when due (see `local.schedules`). Unlike EventBridge's
  async invoke, a failing scheduled handler is logged, not retried. `schedule_every` replaces every
  schedule with a fixed period, so a monthly job can be watched in a dev session.

Other event sources (S3, SNS, EventBridge patterns, streams) are listed in `unsupported`, not pumped:
the design routes S3 and EventBridge events through SQS, and DynamoDB streams through a pipe into SQS (`pipes`:
`local.pipes.StreamPipe` objects, each run on its own thread like a queue). Each queue gets its own thread (one batch at
a time, where Lambda may run several), so a slow worker never delays another queue or a schedule.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice import Chalice
from chalice.app import ScheduledEventConfig, ScheduleExpression, SQSEventConfig

from local import schedules

log = logging.getLogger("local.pump")

ACCOUNT_ID = "123456789012"  # moto's default account
SQS_MAX_BATCH = 10


@dataclass(frozen=True)
class LambdaContext:
    """The context attributes handlers and Powertools read; the timeout is Chalice's default (60 s)."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"
    deadline: float = field(default_factory=lambda: time.monotonic() + 60)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass
class QueueSource:
    name: str
    queue_name: str
    batch_size: int
    handler: Callable[[dict, Any], Any]
    url: str | None = None
    arn: str | None = None
    reported_missing: bool = False


@dataclass
class ScheduleSource:
    name: str
    expression: str
    schedule: schedules.Schedule
    handler: Callable[[dict, Any], Any]
    next_at: datetime | None = None


def _expression(value: str | ScheduleExpression) -> str:
    return value if isinstance(value, str) else value.to_string()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Pump:
    def __init__(self, app: Chalice, *, stage: str, region: str, sqs: Any = None, poll_seconds: float = 0.25,
                 schedule_every: float | None = None, clock: Callable[[], datetime] = _utcnow,
                 pipes: tuple[Any, ...] = ()) -> None:
        self._app = app
        self._stage = stage
        self._region = region
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.queues: list[QueueSource] = []
        self.schedules: list[ScheduleSource] = []
        self.unsupported: list[str] = []
        self.pipes = pipes
        for source in app.event_sources:
            handler = app.handler_map[source.name]
            if isinstance(source, SQSEventConfig):
                queue_name = source.queue or str(source.queue_arn).rsplit(":", 1)[-1]
                batch = min(source.batch_size, SQS_MAX_BATCH)
                self.queues.append(QueueSource(source.name, queue_name, batch, handler))
            elif isinstance(source, ScheduledEventConfig):
                self._add_schedule(source, handler, schedule_every)
            else:
                self.unsupported.append(f"{source.name} ({type(source).__name__}: not pumped locally)")
        if sqs is None and self.queues:
            import boto3

            sqs = boto3.client("sqs", region_name=region)
        self._sqs = sqs

    def _add_schedule(self, source: ScheduledEventConfig, handler: Callable, every: float | None) -> None:
        expression = _expression(source.schedule_expression)
        try:
            schedule = schedules.Every(every) if every else schedules.parse(expression)
        except ValueError as exc:
            self.unsupported.append(f"{source.name} ({exc})")
            return
        self.schedules.append(ScheduleSource(source.name, expression, schedule, handler,
                                             schedule.next_after(self._clock())))

    def _context(self, name: str) -> LambdaContext:
        function = f"{self._app.app_name}-{self._stage}-{name}"
        return LambdaContext(function, f"arn:aws:lambda:{self._region}:{ACCOUNT_ID}:function:{function}")

    # --- SQS -------------------------------------------------------------------------------------

    def _resolve(self, queue: QueueSource) -> bool:
        if queue.url:
            return True
        try:
            queue.url = self._sqs.get_queue_url(QueueName=queue.queue_name)["QueueUrl"]
        except self._sqs.exceptions.QueueDoesNotExist:
            if not queue.reported_missing:
                log.warning("queue %s does not exist (yet); %s waits for it", queue.queue_name, queue.name)
                queue.reported_missing = True
            return False
        queue.arn = self._sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        return True

    def poll_queue(self, queue: QueueSource) -> int:
        """Deliver at most one batch; the number of messages handled (0 when idle or the handler failed)."""
        if not self._resolve(queue):
            return 0
        messages = self._sqs.receive_message(
            QueueUrl=queue.url, MaxNumberOfMessages=queue.batch_size, WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(message, queue) for message in messages]}
        try:
            queue.handler(event, self._context(queue.name))
        except Exception:
            log.exception("SQS handler %s failed; %d message(s) return to %s after the visibility timeout",
                          queue.name, len(messages), queue.queue_name)
            return 0
        self._sqs.delete_message_batch(QueueUrl=queue.url, Entries=[
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(messages)
        ])
        return len(messages)

    def _record(self, message: dict[str, Any], queue: QueueSource) -> dict[str, Any]:
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {name: _attribute(value)
                                  for name, value in message.get("MessageAttributes", {}).items()},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue.arn,
            "awsRegion": self._region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record

    # --- schedules -------------------------------------------------------------------------------

    def fire_due(self) -> list[str]:
        """Invoke every schedule whose time has come (once, however late: no catch-up); their names."""
        now = self._clock()
        fired = []
        for source in self.schedules:
            if source.next_at is None or now < source.next_at:
                continue
            event = self._scheduled_event(source, source.next_at)
            source.next_at = source.schedule.next_after(now)
            fired.append(source.name)
            try:
                source.handler(event, self._context(source.name))
            except Exception:
                log.exception("scheduled handler %s failed (not retried locally)", source.name)
        return fired

    def _scheduled_event(self, source: ScheduleSource, due: datetime) -> dict[str, Any]:
        rule = f"{self._app.app_name}-{self._stage}-{source.name}-event"
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "resources": [f"arn:aws:events:{self._region}:{ACCOUNT_ID}:rule/{rule}"],
            "detail": {},
        }

    # --- threads ---------------------------------------------------------------------------------

    def start(self) -> None:
        for queue in self.queues:
            self._spawn(f"pump-sqs-{queue.name}", lambda queue=queue: self.poll_queue(queue))
        if self.schedules:
            self._spawn("pump-schedules", lambda: len(self.fire_due()))
        for pipe in self.pipes:
            self._spawn(f"pump-pipe-{pipe.queue_name}", pipe.pump_once)
        for line in self.unsupported:
            log.warning("event source not pumped: %s", line)

    def _spawn(self, name: str, step: Callable[[], int]) -> None:
        thread = threading.Thread(target=self._loop, args=(step,), name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _loop(self, step: Callable[[], int]) -> None:
        """Run `step` until stopped; go again at once after work, wait a poll interval when idle."""
        while not self._stop.is_set():
            try:
                busy = step() > 0
            except Exception:
                log.exception("event pump step failed; retrying")
                busy = False
            if not busy:
                self._stop.wait(self._poll_seconds)

    def stop(self, timeout: float = 10.0) -> None:
        """Let running handlers finish (up to `timeout` in total), then return."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("%s is still running a handler; abandoning it", thread.name)
        self._threads.clear()


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """An SQS message attribute as Lambda renders it (camelCase keys, binary base64-encoded)."""
    rendered: dict[str, Any] = {"dataType": value["DataType"], "stringListValues": [], "binaryListValues": []}
    if "StringValue" in value:
        rendered["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        rendered["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return rendered
