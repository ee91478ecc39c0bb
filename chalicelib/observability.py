"""Logs, business metrics and traces (Powertools): the one place the app talks to them.

- `logger`: JSON lines with a correlation id. Never log tokens, secrets or request bodies.
- Metrics (CloudWatch EMF, namespace `CreatorMarketplace`, dimension `service`): `count` / `seconds` add one data
  point for a business event; `invocation` (a Chalice middleware on every function) prints them as one EMF JSON
  line when the invocation ends, which CloudWatch turns into metrics (locally the line is simply in the log).
  Callers emit only after the effect's transaction committed, and not for a duplicate delivery.
- Traces (X-Ray): `invocation` opens a subsegment per invocation, `annotate` adds the domain ids. Tracer loads the
  X-Ray SDK (~0.5 s), so it is built on the first traced invocation, never at `import app`; tracing is off outside
  Lambda and wherever `POWERTOOLS_TRACE_DISABLED` is true (the local runtime, the tests).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = "creator-marketplace"
NAMESPACE = "CreatorMarketplace"

logger = Logger(service=SERVICE)
_metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_lock = threading.Lock()  # `chalice local` and the event pump run invocations on threads; the metric set is shared


class Metric(StrEnum):
    """Every business metric (the dashboard and alarms in `infra/` use these names)."""

    ORDERS_PAID = "OrdersPaid"
    REFUNDS = "Refunds"
    DISPUTES = "Disputes"
    FREE_CLAIMS = "FreeClaims"
    VIDEOS_READY = "VideosReady"
    VIDEOS_FAILED = "VideosFailed"
    VIDEO_PROCESSING_SECONDS = "VideoProcessingSeconds"
    AI_TOKENS = "AiTokens"  # dimension `feature` (outline, lesson, quiz, description, …)
    WEBHOOK_SIGNATURE_FAILURES = "WebhookSignatureFailures"
    RATE_LIMIT_REFUSALS = "RateLimitRefusals"


def count(metric: Metric, value: int = 1) -> None:
    """One business event (or `value` of them), published when the invocation ends."""
    _add(metric, value, MetricUnit.Count)


def seconds(metric: Metric, value: float) -> None:
    """A duration, published when the invocation ends."""
    _add(metric, value, MetricUnit.Seconds)


def _add(metric: Metric, value: float, unit: MetricUnit) -> None:
    with _lock:
        _metrics.add_metric(name=metric.value, unit=unit, value=value)


def count_by(metric: Metric, value: int, **dimensions: str) -> None:
    """A count with its own dimensions (e.g. AI tokens by feature): an EMF line of its own, printed at once."""
    single = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    for name, dimension in dimensions.items():
        single.add_dimension(name=name, value=dimension)
    single.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)
    _print(single.serialize_metric_set())


def flush_metrics() -> None:
    """Print what this invocation counted as one EMF line (nothing when it counted nothing)."""
    with _lock:
        document = _metrics.serialize_metric_set() if _metrics.metric_set else None
        _metrics.clear_metrics()
    if document:
        _print(document)


def _print(document: dict[str, Any]) -> None:
    """One write per line (Powertools' `print` makes two): lines of concurrent threads or processes never mix."""
    sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")


def tracing_enabled() -> bool:
    """X-Ray only on Lambda, and not when POWERTOOLS_TRACE_DISABLED says so."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true", "yes", "on")
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not disabled


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    """The Tracer, built on first use (it imports the X-Ray SDK); it traces the AWS SDK and HTTP calls."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=("botocore", "requests"))


TRACED_IDS = ("product_id", "order_id", "video_id", "lesson_id", "user_id")


def annotate(**ids: str | None) -> None:
    """Annotate the current trace with domain ids (searchable in X-Ray); a no-op when tracing is off."""
    if not tracing_enabled():
        return
    for key, value in ids.items():
        if value:
            tracer().put_annotation(key, str(value))


def _invocation_name(event: Any) -> str:
    """`GET /v1/products/{product_id}` for a request (its route, not the ids), else the event class (SQSEvent, …)."""
    context = getattr(event, "context", None)
    resource = context.get("resourcePath") if isinstance(context, dict) else None
    if resource and getattr(event, "method", None):
        return f"{event.method} {resource}"
    return type(event).__name__


def invocation(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware for every function (API and event handlers): the invocation's trace subsegment, annotated
    with the ids in its path, and its metrics flushed at the end, whatever happens."""
    try:
        if not tracing_enabled():
            return get_response(event)
        with tracer().provider.in_subsegment(f"## {_invocation_name(event)}"):
            params = getattr(event, "uri_params", None) or {}
            annotate(**{key: params.get(key) for key in TRACED_IDS})
            return get_response(event)
    finally:
        flush_metrics()
