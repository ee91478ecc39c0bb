"""The AI domain's error codes (the model being unavailable is the integration's `AiUnavailable`, 503)."""

from __future__ import annotations

from chalicelib.errors import BadGateway, Conflict, PaymentRequired, TooManyRequests


class AllowanceExhausted(PaymentRequired):
    """Neither the allowance nor the credits cover the call; details say what is needed and what is left."""

    code = "ai_allowance_exhausted"


class RequestInProgress(Conflict):
    """The same idempotency key is still running (within its lease)."""

    code = "request_in_progress"


class AiBadOutput(BadGateway):
    """The model's answer is not the JSON asked for, or breaks its schema; nothing was written or charged."""

    code = "ai_bad_output"


# An allowance or credit write that keeps losing races is retried this often, jittered, then answers AllowanceBusy.
ATTEMPTS, BACKOFF = 10, 0.005


class AllowanceBusy(TooManyRequests):
    """Too many writers on one account at once, even after the retries (the generic `rate_limited` code): DynamoDB
    cancels transactions that touch an item another one is writing."""

    def __init__(self) -> None:
        super().__init__("the AI allowance is busy, try again", retry_after=1)
