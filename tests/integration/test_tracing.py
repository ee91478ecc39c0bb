"""X-Ray tracing (Powertools Tracer): one subsegment per invocation of the API and of every event handler, annotated
with the domain ids; off in tests and locally, and never loaded by `import app` (cold start)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from local import ROOT


class Captured:
    """An X-Ray emitter that keeps what would go to the daemon (the real recorder builds the documents)."""

    def __init__(self) -> None:
        self.entities: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.entities.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str) -> None:
        pass

    def subsegments(self) -> dict[str, dict[str, Any]]:
        """Every traced invocation by name → its annotations."""
        return {entity["name"]: entity.get("annotations", {}) for entity in self.entities
                if entity["name"].startswith("## ")}


@pytest.fixture
def traced(monkeypatch):
    """Tracing switched on as on Lambda, into a real X-Ray recorder whose segments are captured, not sent."""
    from aws_lambda_powertools import Tracer
    from aws_xray_sdk.core import xray_recorder  # imported before LAMBDA_TASK_ROOT: the recorder's plain context

    from chalicelib import observability

    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    captured, emitter = Captured(), xray_recorder.emitter
    tracer = Tracer(service=observability.SERVICE, disabled=False, auto_patch=False)
    monkeypatch.setattr(observability, "tracer", lambda: tracer)
    xray_recorder.configure(emitter=captured)
    xray_recorder.begin_segment("test", sampling=1)
    try:
        yield captured
    finally:
        xray_recorder.end_segment()
        xray_recorder.configure(emitter=emitter)
        Tracer._reset_config()


def test_api_requests_are_traced_with_the_route_product_and_caller(api, traced):
    assert api.call("GET", "/v1/products/prd_traced", "bob").status_code == 404
    assert api.call("GET", "/v1/health").status_code == 200

    assert traced.subsegments() == {"## GET /v1/products/{product_id}": {"product_id": "prd_traced", "user_id": "bob"},
                                    "## GET /v1/health": {}}


def test_event_handlers_are_traced_with_the_video(aws, traced, monkeypatch):
    from app import app
    from chalicelib.integrations import stepfunctions
    from chalicelib.services.video import steps

    monkeypatch.setattr(stepfunctions, "send_task_heartbeat", lambda token: None)
    monkeypatch.setattr(stepfunctions, "send_task_success", lambda token, output: None)
    monkeypatch.setitem(steps.STEPS, "probe", lambda message: {"duration_ms": 3000})
    message = {"task": "probe", "task_token": "tok", "video_id": "vid_traced"}
    app.handler_map["run_video_task"]({"Records": [{"body": json.dumps(message), "receiptHandle": "r",
                                                    "messageId": "1"}]}, None)
    assert traced.subsegments()["## SQSEvent"] == {"video_id": "vid_traced"}


def test_tracing_is_off_in_tests_and_import_app_does_not_load_the_xray_sdk():
    from chalicelib import observability

    assert not observability.tracing_enabled()
    code = "import sys, app; print('aws_xray_sdk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={"PATH": "", "STAGE": "test", "AWS_DEFAULT_REGION": "us-east-1",
                                 "LAMBDA_TASK_ROOT": "/var/task"})
    assert result.stdout.strip() == "False"
