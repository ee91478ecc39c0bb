"""The local event pump, driven by a throwaway Chalice app: SQS against in-process moto, schedules on a fake clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice import Chalice, Cron, Rate
from moto import mock_aws

from local import schedules
from local.pump import Pump

T0 = datetime(2026, 1, 15, 10, 0, 30, tzinfo=UTC)  # a Thursday


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_app() -> tuple[Chalice, dict[str, list]]:
    app = Chalice(app_name="pump-test")
    seen: dict[str, list] = {"jobs": [], "raw": [], "middleware": [], "ticks": [], "monthly": [], "contexts": []}

    @app.middleware("sqs")
    def count(event, get_response):
        seen["middleware"].append(len(event.to_dict()["Records"]))
        return get_response(event)

    @app.on_sqs_message(queue="jobs", batch_size=5)
    def work(event):
        seen["raw"].append(event.to_dict())
        seen["contexts"].append(event.context)
        seen["jobs"].extend(record.body for record in event)

    @app.on_sqs_message(queue_arn="arn:aws:sqs:us-east-1:123456789012:flaky")
    def flaky(event):
        raise RuntimeError("boom")

    @app.schedule(Rate(5, unit=Rate.MINUTES))
    def tick(event):
        seen["ticks"].append(event.to_dict())

    @app.schedule(Cron(0, 3, 1, "*", "?", "*"))
    def monthly(event):
        seen["monthly"].append(event.time)

    @app.schedule("cron(0 12 L * ? *)")
    def last_day(event):
        raise AssertionError("L is not emulated, so this never fires")

    @app.on_s3_event(bucket="uploads")
    def uploaded(event):
        raise AssertionError("S3 events are not pumped")

    return app, seen


@pytest.fixture
def sqs():
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def queue_counts(sqs, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_an_app_without_event_handlers_starts_and_stops():
    pump = Pump(Chalice(app_name="empty"), stage="dev", region="us-east-1")
    pump.start()
    pump.stop()
    assert (pump.queues, pump.schedules, pump.unsupported) == ([], [], [])


def test_discovers_handlers_from_the_app(sqs):
    app, _ = make_app()
    pump = Pump(app, stage="dev", region="us-east-1", sqs=sqs, clock=Clock(T0))
    assert [(q.name, q.queue_name, q.batch_size) for q in pump.queues] == [("work", "jobs", 5), ("flaky", "flaky", 1)]
    assert [s.name for s in pump.schedules] == ["tick", "monthly"]
    assert [line.split(" ")[0] for line in pump.unsupported] == ["last_day", "uploaded"]
    assert pump.queues[0].handler is app.handler_map["work"]


def test_sqs_batch_reaches_the_lambda_handler_shaped_like_lambdas_event_and_is_deleted(sqs):
    app, seen = make_app()
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    for n in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=f"job-{n}",
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "render"},
                                            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    pump = Pump(app, stage="dev", region="us-east-1", sqs=sqs)
    jobs = pump.queues[0]

    assert pump.poll_queue(jobs) == 5  # batch_size
    assert pump.poll_queue(jobs) == 2
    assert pump.poll_queue(jobs) == 0

    assert sorted(seen["jobs"]) == [f"job-{n}" for n in range(7)]
    assert seen["middleware"] == [5, 2]  # the same handler object Lambda calls, middleware included
    record = seen["raw"][0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:jobs"
    assert record["awsRegion"] == "us-east-1"
    assert {"messageId", "receiptHandle", "body", "md5OfBody"} <= record.keys()
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"] == {"dataType": "String", "stringValue": "render",
                                                   "stringListValues": [], "binaryListValues": []}
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    context = seen["contexts"][0]
    assert context.function_name == "pump-test-dev-work"
    assert 0 < context.get_remaining_time_in_millis() <= 60_000
    assert queue_counts(sqs, url) == (0, 0)


def test_a_failing_batch_stays_on_the_queue_and_is_retried_after_the_visibility_timeout(sqs):
    app, _ = make_app()
    url = sqs.create_queue(QueueName="flaky", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    pump = Pump(app, stage="dev", region="us-east-1", sqs=sqs)
    flaky = pump.queues[1]

    assert pump.poll_queue(flaky) == 0
    assert pump.poll_queue(flaky) == 0
    message = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"][0]
    assert message["Body"] == "poison" and message["Attributes"]["ApproximateReceiveCount"] == "3"


def test_a_queue_created_later_is_picked_up(sqs):
    app, seen = make_app()
    pump = Pump(app, stage="dev", region="us-east-1", sqs=sqs)
    jobs = pump.queues[0]
    assert pump.poll_queue(jobs) == 0
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="late")
    assert pump.poll_queue(jobs) == 1 and seen["jobs"] == ["late"]


def test_pump_threads_deliver_messages_and_stop(sqs):
    app = Chalice(app_name="threads")
    delivered = threading.Event()

    @app.on_sqs_message(queue="jobs")
    def work(event):
        delivered.set()

    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    pump = Pump(app, stage="dev", region="us-east-1", sqs=sqs, poll_seconds=0.05)
    pump.start()
    try:
        assert delivered.wait(10)
    finally:
        pump.stop(timeout=5)
    assert not [t for t in threading.enumerate() if t.name.startswith("pump-")]


def test_rate_schedule_fires_when_due_with_a_scheduled_event():
    app, seen = make_app()
    clock = Clock(T0)
    pump = Pump(app, stage="dev", region="us-east-1", clock=clock)

    clock.now = T0 + timedelta(minutes=4, seconds=59)
    assert pump.fire_due() == []
    clock.now = T0 + timedelta(minutes=5)
    assert pump.fire_due() == ["tick"]
    assert pump.fire_due() == []
    clock.now = T0 + timedelta(minutes=17)  # late: fires once, no catch-up
    assert pump.fire_due() == ["tick"]
    clock.now = T0 + timedelta(minutes=21)
    assert pump.fire_due() == []

    event = seen["ticks"][0]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-01-15T10:05:30Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/pump-test-dev-tick-event"]
    assert event["detail"] == {} and event["account"] == "123456789012" and event["region"] == "us-east-1"


def test_cron_schedule_fires_at_its_next_match():
    app, seen = make_app()
    clock = Clock(T0)
    pump = Pump(app, stage="dev", region="us-east-1", clock=clock)
    clock.now = datetime(2026, 2, 1, 2, 59, tzinfo=UTC)
    assert "monthly" not in pump.fire_due()
    clock.now = datetime(2026, 2, 1, 3, 0, 5, tzinfo=UTC)
    assert "monthly" in pump.fire_due()
    assert seen["monthly"] == ["2026-02-01T03:00:00Z"]


def test_schedule_every_overrides_all_schedules():
    app, seen = make_app()
    clock = Clock(T0)
    pump = Pump(app, stage="dev", region="us-east-1", clock=clock, schedule_every=2)
    assert [s.name for s in pump.schedules] == ["tick", "monthly", "last_day"]
    clock.now = T0 + timedelta(seconds=2)
    assert pump.fire_due() == ["tick", "monthly", "last_day"]  # last_day raises: logged, not fatal
    assert len(seen["monthly"]) == 1


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("rate(1 minute)", T0, T0 + timedelta(minutes=1)),
    ("rate(2 hours)", T0, T0 + timedelta(hours=2)),
    ("rate(1 day)", T0, T0 + timedelta(days=1)),
    ("cron(0 3 1 * ? *)", T0, datetime(2026, 2, 1, 3, 0, tzinfo=UTC)),
    ("cron(*/15 * * * ? *)", T0, datetime(2026, 1, 15, 10, 15, tzinfo=UTC)),
    ("cron(30 9 ? * MON-FRI *)", datetime(2026, 1, 17, 12, 0, tzinfo=UTC), datetime(2026, 1, 19, 9, 30, tzinfo=UTC)),
    ("cron(0 0 ? * 1 *)", T0, datetime(2026, 1, 18, 0, 0, tzinfo=UTC)),  # 1 = Sunday
    ("cron(0 8,20 * JAN,JUL ? 2026-2027)", datetime(2026, 1, 31, 21, 0, tzinfo=UTC),
     datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
    ("cron(0 0 1 1 ? 2025)", T0, None),
])
def test_schedule_expressions(expression, after, expected):
    assert schedules.parse(expression).next_after(after) == expected


@pytest.mark.parametrize("expression", [
    "cron(0 12 L * ? *)", "cron(0 12 ? * 6#3 *)", "cron(0 12 15W * ? *)",
    "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(? 12 * * ? *)", "cron(0 24 * * ? *)",
    "cron(0 12 * * ?)", "rate(0 minutes)", "rate(5 weeks)", "at(2026-01-01T00:00:00)",
])
def test_unsupported_or_invalid_expressions_are_refused(expression):
    with pytest.raises(ValueError):
        schedules.parse(expression)
