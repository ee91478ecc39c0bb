"""Domain errors. Services raise these; `api/errors.py` is the one place that maps them to HTTP.

They carry a stable machine-readable `code` for clients and never any secret or token material.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(DomainError):
    """The request is well-formed JSON but breaks a rule (schema or business)."""

    code = "validation_error"


class BadRequest(DomainError):
    """The request cannot be parsed at all (malformed JSON, bad cursor)."""

    code = "bad_request"


class Unauthenticated(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    """The caller is known but lacks a role (e.g. not a creator). Never used to hide objects."""

    code = "forbidden"


class NotFound(DomainError):
    """Missing, or belongs to someone else: the two are indistinguishable on purpose."""

    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class PaymentRequired(DomainError):
    """The caller's balance (AI allowance and credits) cannot cover the request; nothing was done."""

    code = "payment_required"


class TooManyRequests(DomainError):
    """A per-caller rate limit was hit; `retry_after` seconds tell the client when to try again."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class BadGateway(DomainError):
    """The AI model answered something unusable (not the JSON asked for); nothing was written or charged."""

    code = "ai_bad_output"


class ServiceUnavailable(DomainError):
    """The AI model is throttling or down even after our retries; nothing was charged. Safe to retry later."""

    code = "ai_unavailable"

    def __init__(self, message: str, retry_after: int | None = None,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after
