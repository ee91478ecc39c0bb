"""Business metrics (CloudWatch EMF lines on stdout): one data point per business event, after its effect committed,
none for a duplicate delivery; flushed at the end of each invocation (API requests and event handlers alike)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.orders import make_order

Point = tuple[str, float, dict[str, str]]


def emitted(capsys: pytest.CaptureFixture[str]) -> list[Point]:
    """Every metric data point printed since the last call: (name, value, dimensions), checked against EMF's shape."""
    points = []
    for line in capsys.readouterr().out.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "CreatorMarketplace"
            dimensions = {name: document[name] for group in directive["Dimensions"] for name in group}
            assert dimensions["service"] == "creator-marketplace"
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                points += [(metric["Name"], value, dimensions) for value in (values if isinstance(values, list)
                                                                             else [values])]
    return points


def total(points: list[Point], name: str) -> float:
    return sum(value for metric, value, _ in points if metric == name)


def deliver(api, body: bytes, header: str | None = None):
    headers = {"Stripe-Signature": header if header is not None else ls.signature(body)}
    return api.call("POST", "/v1/webhooks/stripe", body=body, headers=headers)


def pending_order(api) -> dict[str, Any]:
    order_id = make_order(api, status="pending", amount_cents=1500)
    return {"order_id": order_id, "amount_cents": 1500}


@pytest.mark.usefixtures("stripe_gateway")
def test_a_paid_order_is_counted_once_and_its_redelivery_not_at_all(api, capsys):
    order = pending_order(api)
    body = ls.event("payment_intent.succeeded", ls.intent(order, f"pi_{order['order_id']}"), "evt_metrics_paid")
    emitted(capsys)

    assert deliver(api, body).json["outcome"] == "granted"
    first = emitted(capsys)
    assert [point[:2] for point in first] == [("OrdersPaid", 1.0)]  # flushed by the request that paid it

    assert deliver(api, body).json["outcome"] == "duplicate"
    assert emitted(capsys) == []


@pytest.mark.usefixtures("stripe_gateway")
def test_refunds_and_disputes_are_counted_once_per_event(api, capsys):
    order_id = make_order(api, grant=True)
    intent_id = f"pi_{order_id}"
    refund = ls.event("charge.refunded", ls.charge(intent_id, 1500, 500), "evt_metrics_refund")
    dispute = ls.event("charge.dispute.created", ls.dispute(intent_id, "needs_response"), "evt_metrics_dispute")
    emitted(capsys)
    for body in (refund, refund, dispute, dispute):
        assert deliver(api, body).status_code == 200
    points = emitted(capsys)
    assert (total(points, "Refunds"), total(points, "Disputes"), total(points, "OrdersPaid")) == (1, 1, 0)


@pytest.mark.usefixtures("stripe_gateway")
def test_a_bad_signature_is_counted_and_nothing_else(api, capsys):
    body = ls.event("payment_intent.succeeded", {"id": "pi_forged", "metadata": {}})
    emitted(capsys)
    assert deliver(api, body, ls.signature(body, secret="whsec_wrong")).status_code == 400
    assert deliver(api, body, "").status_code == 400
    assert [point[:2] for point in emitted(capsys)] == [("WebhookSignatureFailures", 1.0)] * 2


def test_a_free_claim_is_counted_once(api, capsys):
    api.creator("alice")
    product = api.published("alice", pricing_type="free", price_cents=0)
    emitted(capsys)
    claims = [api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {}) for _ in range(2)]
    assert claims[0].status_code == 201, claims[0].json
    assert total(emitted(capsys), "FreeClaims") == 1


def test_ai_tokens_are_counted_by_feature_once_per_request(aws, capsys):
    from chalicelib.services.accounts import users
    from chalicelib.services.ai import metering

    users.open_creator_account("alice", "alice@example.com", "Alice", None)

    def call(feature: str, request_id: str, used: int) -> None:
        metering.metered("alice", feature=feature, request_id=request_id, max_tokens=1000, model="offline",
                         run=lambda: ({"used": used}, used))

    emitted(capsys)
    call("outline", "r1", 120)
    call("outline", "r1", 120)  # the same request again: the stored result, charged (and counted) once
    call("quiz", "r2", 80)
    tokens = [(value, dims["feature"]) for name, value, dims in emitted(capsys) if name == "AiTokens"]
    assert tokens == [(120, "outline"), (80, "quiz")]


def test_rate_limit_refusals_are_counted(aws, capsys):
    from chalicelib.errors import TooManyRequests
    from chalicelib.observability import flush_metrics
    from chalicelib.services.core import rate_limit

    emitted(capsys)
    rate_limit.hit("ai", "alice", 1, now=1000.0)
    for _ in range(2):
        with pytest.raises(TooManyRequests):
            rate_limit.hit("ai", "alice", 1, now=1001.0)
    flush_metrics()  # what the invocation middleware does at the end
    assert total(emitted(capsys), "RateLimitRefusals") == 2


def test_a_video_made_ready_is_counted_once_with_its_processing_time(aws, capsys, monkeypatch):
    from chalicelib.models import VideoAsset
    from chalicelib.observability import flush_metrics
    from chalicelib.services.video import pipeline

    monkeypatch.setattr(pipeline, "on_ready", lambda video_id: None)
    VideoAsset("vid_rec", creator_id="alice", status="processing", filename="a.mp4", content_type="video/mp4",
               declared_size_bytes=10, original_key="uploads/alice/vid_rec/source").save()
    emitted(capsys)
    outputs = {"master_key": "videos/vid_rec/hls/master.m3u8", "duration_ms": 3000, "width": 640, "height": 360,
               "variants": [{"quality": "360p", "width": 640, "height": 360, "bitrate": 900_000, "size_bytes": 300,
                             "playlist_key": "videos/vid_rec/hls/360p/index.m3u8"}]}
    pipeline.record_outputs("vid_rec", outputs)
    pipeline.record_outputs("vid_rec", outputs)  # a redelivered Record task
    flush_metrics()
    points = emitted(capsys)
    assert total(points, "VideosReady") == 1
    (processing,) = [value for name, value, _ in points if name == "VideoProcessingSeconds"]
    assert 0 <= processing < 60


def test_a_failed_video_task_is_counted_and_flushed_by_the_event_handler(aws, capsys, monkeypatch):
    """Through the handler object Lambda calls (`app.handler_map`), so the invocation middleware flushes."""
    from app import app
    from chalicelib.integrations import stepfunctions
    from chalicelib.integrations.probe import ProbeRejected
    from chalicelib.services.video import steps

    sent: list[str] = []
    monkeypatch.setattr(stepfunctions, "send_task_heartbeat", lambda token: None)
    monkeypatch.setattr(stepfunctions, "send_task_failure", lambda token, error, cause: sent.append(error))

    def rejected(message):
        raise ProbeRejected("not_video", "not a video")

    def transient(message):
        raise ConnectionError("S3 hiccup")

    def run(task) -> list[Point]:
        message = {"task": task, "task_token": "tok", "video_id": "vid_1", "bucket": "b", "key": "k"}
        app.handler_map["run_video_task"]({"Records": [{"body": json.dumps(message), "receiptHandle": "r",
                                                        "messageId": "1"}]}, None)
        return emitted(capsys)

    emitted(capsys)
    monkeypatch.setitem(steps.STEPS, "probe", transient)
    assert run("probe") == [] and sent == [steps.TRANSIENT]  # the state machine retries it: not failed yet
    monkeypatch.setitem(steps.STEPS, "probe", rejected)
    assert [point[:2] for point in run("probe")] == [("VideosFailed", 1.0)]
