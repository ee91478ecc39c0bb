"""The error codes commerce answers with beyond the generic ones (each code has one status everywhere)."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import BadRequest, Conflict, InvalidInput, ServiceUnavailable

PAYMENT_RETRY_AFTER_SECONDS = 5


class InvalidWebhook(BadRequest):
    """A Stripe webhook whose signature, timestamp or body does not verify: nothing was written."""

    code = "invalid_webhook"


class PaymentUnavailable(ServiceUnavailable):
    """Stripe refused or could not be reached while starting a payment; nothing is payable. Safe to retry."""

    code = "payment_unavailable"

    def __init__(self, message: str, retry_after: int | None = PAYMENT_RETRY_AFTER_SECONDS,
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, retry_after, details)


class CheckoutInProgress(Conflict):
    """The buyer's checkout of the same thing is pending on other terms, or still being created."""

    code = "checkout_in_progress"


class OrderNotCancellable(Conflict):
    """Only a pending order whose payment has not started can be cancelled (a paid or processing one cannot)."""

    code = "order_not_cancellable"



class RefundWindowClosed(InvalidInput):
    code = "refund_window_closed"


class OrderNotRefundable(Conflict):
    code = "order_not_refundable"


class RefundRequestOpen(Conflict):
    code = "refund_request_open"


class RefundNotIssued(Conflict):
    """Stripe refused or could not be reached. The request stays approved: approving again retries safely."""

    code = "refund_not_issued"


class AlreadyOwned(Conflict):
    """The buyer already holds every product of the bundle they try to buy."""

    code = "already_owned"
