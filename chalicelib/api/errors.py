"""The one place that turns failures into HTTP: the error envelope and the status of each domain error.

`{"error": {"code": ..., "message": ..., "details": [...]}}` is the only error shape clients ever see.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib import errors

# Chalice answers some requests itself (415 media type, 405 method, 500); they get our envelope too.
CODE_BY_STATUS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                  413: "payload_too_large", 415: "unsupported_media_type", 500: "internal_error"}
errors.CODES.update({"method_not_allowed": 405, "unsupported_media_type": 415, "internal_error": 500})


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if status == 401:
        all_headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return Response(body=body, status_code=status, headers=all_headers)


def from_domain(error: errors.DomainError) -> Response:
    retry_after = getattr(error, "retry_after", None)  # 429, and 503 when the upstream said when
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(error.status, error.code, error.message, error.details, headers=headers)


def from_chalice(response: Response) -> Response:
    """Rewrap Chalice's own `{"Code", "Message"}` errors; 5xx messages stay generic."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status = response.status_code
    message = "internal error" if status >= 500 else str(body.get("Message", ""))
    code = CODE_BY_STATUS.get(status, "error")
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return error_response(status, code, message, headers=headers)
