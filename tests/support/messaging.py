"""Messaging helpers shared by the integration, security and bench modules: the blast queue driven through the
same handler object Lambda calls (the local event pump), and members made through a real fulfilment path."""

from __future__ import annotations

from typing import Any


def blast_queue() -> Any:
    """Create the stage's queues (as the local runtime does) with an immediate redelivery for the blast queue (a
    step whose handler raised is received again on the next poll, as SQS does after the visibility timeout), and
    a pump over the app's registrations."""
    import boto3

    from app import app
    from chalicelib.config import get_settings
    from local.pump import Pump
    from local.resources import create_queues

    create_queues()
    settings = get_settings()
    sqs = boto3.client("sqs", region_name=settings.region)
    url = sqs.get_queue_url(QueueName=settings.queue_name("blasts"))["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    pump = Pump(app, stage=settings.stage, region=settings.region, sqs=sqs)
    return pump, next(queue for queue in pump.queues if queue.name == "fan_out_blast")


def drain(pump: Any, queue: Any, max_polls: int = 1000) -> dict[str, int]:
    """Poll until the queue is empty: `{"steps": handled, "failures": polls whose handler raised}`."""
    steps = failures = 0
    for _ in range(max_polls):
        handled = pump.poll_queue(queue)
        if handled:
            steps += handled
            continue
        attributes = pump._sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        if not any(int(value) for value in attributes.values()):
            return {"steps": steps, "failures": failures}
        failures += 1
    raise AssertionError("the blast queue did not drain")


def claim(api: Any, user: str, product_id: str) -> None:
    """`user` claims a free product (the free-claim fulfilment path): an active grant, so a room member."""
    response = api.call("POST", f"/v1/products/{product_id}/checkout", user, {})
    assert response.status_code in (200, 201), response.json
