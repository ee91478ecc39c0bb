"""Payments behind a small interface: Stripe in every stage (localstripe locally, through `STRIPE_API_BASE`).

stripe-python is imported inside the methods (≈185 ms): only checkout and refunds pay for it, never a cold
start of another route. Every create call carries an idempotency key derived from our own ids, so a retried
request never creates a second PaymentIntent or Refund. Webhooks are verified on the raw body with
`stripe.Webhook.construct_event` (HMAC-SHA256 of `"{t}.{body}"`, timestamps older than 300 s refused).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.config import get_settings

WEBHOOK_TOLERANCE_SECONDS = 300


class InvalidWebhook(Exception):  # noqa: N818 - the contract's name
    """Missing or bad signature, wrong secret, stale timestamp or a body that is not an event."""


class PaymentProviderError(Exception):
    """Stripe refused or could not be reached; the message is safe to show (no keys)."""


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    client_secret: str
    status: str


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str
    amount_cents: int


class PaymentGateway(Protocol):
    def create_payment_intent(self, *, amount_cents: int, currency: str, metadata: dict[str, str],
                              idempotency_key: str) -> PaymentIntent: ...

    def create_refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str,
                      metadata: dict[str, str]) -> RefundResult: ...

    def cancel_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> str: ...

    def verify_webhook(self, payload: bytes, signature_header: str) -> dict: ...


class StripeGateway:
    def __init__(self, api_key: str, webhook_secret: str, api_base: str = "") -> None:
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._api_base = api_base

    def _stripe(self) -> Any:
        import stripe

        if self._api_base:
            stripe.api_base = self._api_base
        return stripe

    def _call(self, fn: Any, **params: Any) -> Any:
        stripe = self._stripe()
        try:
            return fn(api_key=self._api_key, **params)
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc

    def create_payment_intent(self, *, amount_cents: int, currency: str, metadata: dict[str, str],
                              idempotency_key: str) -> PaymentIntent:
        stripe = self._stripe()
        intent = self._call(stripe.PaymentIntent.create, amount=amount_cents, currency=currency.lower(),
                            metadata=metadata, idempotency_key=idempotency_key)
        return PaymentIntent(intent["id"], intent["client_secret"], intent["status"])

    def create_refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str,
                      metadata: dict[str, str]) -> RefundResult:
        stripe = self._stripe()
        refund = self._call(stripe.Refund.create, payment_intent=payment_intent_id, amount=amount_cents,
                            metadata=metadata, idempotency_key=idempotency_key)
        return RefundResult(refund["id"], refund["status"], int(refund["amount"]))

    def cancel_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> str:
        """Cancel an intent nobody paid; Stripe's status afterwards. An intent that already succeeded (or is
        processing) cannot be cancelled: Stripe refuses, and its current status is returned instead."""
        stripe = self._stripe()
        try:
            intent = stripe.PaymentIntent.cancel(payment_intent_id, api_key=self._api_key,
                                                 idempotency_key=idempotency_key)
        except stripe.InvalidRequestError:
            intent = self._call(stripe.PaymentIntent.retrieve, id=payment_intent_id)
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return str(intent["status"])

    def verify_webhook(self, payload: bytes, signature_header: str) -> dict:
        if not self._webhook_secret:
            raise InvalidWebhook("no webhook secret configured")
        if not signature_header:
            raise InvalidWebhook("missing Stripe-Signature header")
        stripe = self._stripe()
        try:
            stripe.Webhook.construct_event(payload, signature_header, self._webhook_secret,
                                           tolerance=WEBHOOK_TOLERANCE_SECONDS)
            data = json.loads(payload)  # the verified bytes, as plain JSON (not a StripeObject)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidWebhook("invalid webhook signature or payload") from exc
        if not isinstance(data, dict):
            raise InvalidWebhook("not an event")
        if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
            raise InvalidWebhook("not an event")
        return data


def _provider_error(exc: Any) -> PaymentProviderError:
    """A Stripe error as ours: Stripe's message for users (never keys), else the error's type."""
    return PaymentProviderError(f"payment provider error: {exc.user_message or type(exc).__name__}")


def gateway() -> PaymentGateway:
    """Built per use (it is three strings): a rotated Stripe secret applies once the cached secret expires."""
    settings = get_settings()
    return StripeGateway(settings.secret("stripe_api_key"), settings.secret("stripe_webhook_secret"),
                         settings.stripe_api_base)
