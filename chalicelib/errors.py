"""Domain errors. Services raise these; `api/errors.py` is the one place that turns them into HTTP.

Each class carries a stable machine-readable `code` for clients and the HTTP `status` it answers with. The
bases below are the generic kinds; a domain that needs its own code subclasses one of them (in its package's
`errors.py`), so one code always means one status: `__init_subclass__` refuses a second class with the same
code and another status, and `CODES` lists every code the API can return (the OpenAPI document prints it).
Errors never carry secret or token material.
"""

from __future__ import annotations

from typing import Any, ClassVar

CODES: dict[str, int] = {}  # every error code → its HTTP status, filled as error classes are defined


class DomainError(Exception):
    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = CODES.setdefault(cls.code, cls.status)
        if known != cls.status:
            raise TypeError(f"error code {cls.code!r} is {known} elsewhere; {cls.__name__} says {cls.status}")

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class RetryLater(DomainError):
    """Mixin state for errors that tell the client when to retry (`Retry-After`, in seconds)."""

    def __init__(self, message: str, retry_after: int | None = None,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class BadRequest(DomainError):
    """The request cannot be parsed at all (malformed JSON, bad header)."""

    code, status = "bad_request", 400


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


class Unauthenticated(DomainError):
    code, status = "unauthorized", 401


class PaymentRequired(DomainError):
    """Nothing was done because something must be paid first."""

    code, status = "payment_required", 402


class Forbidden(DomainError):
    """The caller is known but lacks a role (e.g. not a creator). Never used to hide objects."""

    code, status = "forbidden", 403


class NotFound(DomainError):
    """Missing, or belongs to someone else: the two are indistinguishable on purpose."""

    code, status = "not_found", 404


class Conflict(DomainError):
    code, status = "conflict", 409


class IdempotencyKeyReused(Conflict):
    """An `Idempotency-Key` already used for a different request (another caller, route, target or payload):
    the same key with the same request gets the stored answer instead. Every idempotent route answers this."""

    code = "idempotency_key_reused"


class PayloadTooLarge(DomainError):
    code, status = "payload_too_large", 413


class InvalidInput(DomainError):
    """The request is well-formed JSON but breaks a rule (schema or business)."""

    code, status = "validation_error", 422


class TooManyRequests(RetryLater):
    """A per-caller limit was hit or a resource is too contended; `retry_after` seconds tell when to retry."""

    code, status = "rate_limited", 429

    def __init__(self, message: str, retry_after: int, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, retry_after, details)


class BadGateway(DomainError):
    """An upstream service answered something unusable; nothing was written or charged."""

    code, status = "bad_gateway", 502


class ServiceUnavailable(RetryLater):
    """An upstream service is down or throttling even after our retries; nothing was done. Safe to retry."""

    code, status = "service_unavailable", 503
