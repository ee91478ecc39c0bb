"""HTTP middleware: correlation id, body-size limit, uniform errors and one access log line per request."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib.api.errors import error_response, from_chalice
from chalicelib.config import get_settings
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
    limit = get_settings().max_body_bytes
    if len(request.raw_body or b"") > limit:
        response = error_response(413, "payload_too_large", f"request body exceeds {limit} bytes")
    else:
        response = from_chalice(get_response(request))
    response.headers["X-Correlation-Id"] = cid
    log: dict[str, Any] = {"method": request.method, "path": request.path, "status": response.status_code,
                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    logger.info("request", extra=log)
    return response
