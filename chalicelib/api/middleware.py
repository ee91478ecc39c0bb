"""HTTP middleware: correlation id, uniform errors with CORS headers, and one access log line per request.

The body-size limit (413) is checked by the routes that read a body (`routing.parse_body`)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib.api.errors import from_chalice
from chalicelib.api.routing import cors
from chalicelib.observability import logger

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def correlation_id(request: Request) -> str:
    """The caller's X-Correlation-Id when it is safe to log, else API Gateway's request id."""
    supplied = request.headers.get("x-correlation-id", "")
    if _SAFE_ID.match(supplied):
        return supplied
    return str(request.context.get("requestId") or uuid.uuid4())


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    started = time.perf_counter()
    logger.clear_state()
    cid = correlation_id(request)
    logger.set_correlation_id(cid)
    response = from_chalice(get_response(request))
    for name, value in cors().get_access_control_headers().items():  # Chalice's own 405 and 500 lack them
        response.headers.setdefault(name, value)
    response.headers["X-Correlation-Id"] = cid
    log: dict[str, Any] = {"method": request.method, "path": request.path, "status": response.status_code,
                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    logger.info("request", extra=log)
    return response
