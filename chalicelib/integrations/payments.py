"""Payments behind a small interface: Stripe in every stage (localstripe locally, through `STRIPE_API_BASE`).

stripe-python is imported inside the methods (≈185 ms): only checkout and refunds pay for it, never a cold
start of another route. Every create call carries an idempotency key derived from our own ids, so a retried
request never creates a second PaymentIntent or Refund. Webhooks are verified on the raw body with
`stripe.Webhook.construct_event` (HMAC-SHA256 of `"{t}.{body}"`, timestamps older than 300 s refused).

Stripe Connect (creators' payouts, `PAYOUTS_MODE=connect`): Express accounts and their onboarding links, a connected
account's balance (`Stripe-Account` header), destination charges (`transfer_data[destination]`, `on_behalf_of`,
`application_fee_amount`) and refunds that take the transfer and the fee back in proportion (`reverse_transfer`,
`refund_application_fee`). localstripe has none of it: these calls are tested at the stripe client's HTTP boundary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class AccountLink:
    url: str
    expires_at: datetime


Balance = dict[str, tuple[int, int]]  # ISO currency → (available, pending) in minor units


class PaymentGateway(Protocol):
    def create_payment_intent(self, *, amount_cents: int, currency: str, metadata: dict[str, str],
                              idempotency_key: str, destination: str | None = None,
                              application_fee_cents: int = 0) -> PaymentIntent: ...

    def create_refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str,
                      metadata: dict[str, str], reverse_transfer: bool = False) -> RefundResult: ...

    def create_connected_account(self, *, metadata: dict[str, str], idempotency_key: str) -> str: ...

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> AccountLink: ...

    def retrieve_balance(self, *, stripe_account: str) -> Balance: ...

    def cancel_payment_intent(self, *, payment_intent_id: str, idempotency_key: str) -> str: ...

    def verify_webhook(self, payload: bytes, signature_header: str) -> dict: ...


class StripeGateway:
    def __init__(self, api_key: str, webhook_secret: str, api_base: str = "", connect_webhook_secret: str = "") -> None:
        self._api_key = api_key
        self._webhook_secrets = tuple(secret for secret in (webhook_secret, connect_webhook_secret) if secret)
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
                              idempotency_key: str, destination: str | None = None,
                              application_fee_cents: int = 0) -> PaymentIntent:
        """A charge on the platform; with `destination`, a destination charge: the money goes to the creator's
        connected account (which is the settlement merchant, `on_behalf_of`) less our `application_fee_amount`."""
        stripe = self._stripe()
        connect = {"transfer_data": {"destination": destination}, "on_behalf_of": destination,
                   "application_fee_amount": application_fee_cents} if destination else {}
        intent = self._call(stripe.PaymentIntent.create, amount=amount_cents, currency=currency.lower(),
                            metadata=metadata, idempotency_key=idempotency_key, **connect)
        return PaymentIntent(intent["id"], intent["client_secret"], intent["status"])

    def create_refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str,
                      metadata: dict[str, str], reverse_transfer: bool = False) -> RefundResult:
        """A refund; `reverse_transfer` (a destination charge): the creator's transfer and our fee are taken back in
        proportion to the refunded amount, both said explicitly (full and partial refunds alike)."""
        stripe = self._stripe()
        connect = {"reverse_transfer": True, "refund_application_fee": True} if reverse_transfer else {}
        refund = self._call(stripe.Refund.create, payment_intent=payment_intent_id, amount=amount_cents,
                            metadata=metadata, idempotency_key=idempotency_key, **connect)
        return RefundResult(refund["id"], refund["status"], int(refund["amount"]))

    def create_connected_account(self, *, metadata: dict[str, str], idempotency_key: str) -> str:
        """An Express account able to take card payments and receive transfers; its id (`acct_…`)."""
        stripe = self._stripe()
        account = self._call(stripe.Account.create, type="express", metadata=metadata,
                             capabilities={"card_payments": {"requested": True}, "transfers": {"requested": True}},
                             idempotency_key=idempotency_key)
        return str(account["id"])

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> AccountLink:
        """A one-time link to Stripe's hosted onboarding (it expires within minutes; ask for a new one)."""
        stripe = self._stripe()
        link = self._call(stripe.AccountLink.create, account=account_id, type="account_onboarding",
                          refresh_url=refresh_url, return_url=return_url)
        return AccountLink(str(link["url"]), datetime.fromtimestamp(int(link["expires_at"]), UTC))

    def retrieve_balance(self, *, stripe_account: str) -> Balance:
        """A connected account's balance per currency (upper case): available and pending, minor units."""
        stripe = self._stripe()
        balance = self._call(stripe.Balance.retrieve, stripe_account=stripe_account)
        amounts: dict[str, list[int]] = {}
        for index, kind in enumerate(("available", "pending")):
            for item in balance[kind] or []:
                amounts.setdefault(str(item["currency"]).upper(), [0, 0])[index] += int(item["amount"])
        return {currency: (available, pending) for currency, (available, pending) in amounts.items()}

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
        if not self._webhook_secrets:
            raise InvalidWebhook("no webhook secret configured")
        if not signature_header:
            raise InvalidWebhook("missing Stripe-Signature header")
        data = self._verified(payload, signature_header)
        if not isinstance(data, dict):
            raise InvalidWebhook("not an event")
        if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
            raise InvalidWebhook("not an event")
        return data


    def _verified(self, payload: bytes, signature_header: str) -> Any:
        """The body as plain JSON once its signature verifies with one of our endpoints' secrets (the platform's
        endpoint, and Stripe's Connect endpoint for connected accounts' events, which has a secret of its own)."""
        stripe = self._stripe()
        for secret in self._webhook_secrets:
            try:
                stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
                return json.loads(payload)  # the verified bytes, as plain JSON (not a StripeObject)
            except stripe.SignatureVerificationError:
                continue
            except ValueError as exc:
                raise InvalidWebhook("invalid webhook signature or payload") from exc
        raise InvalidWebhook("invalid webhook signature or payload")


def _provider_error(exc: Any) -> PaymentProviderError:
    """A Stripe error as ours: Stripe's message for users (never keys), else the error's type."""
    return PaymentProviderError(f"payment provider error: {exc.user_message or type(exc).__name__}")


def gateway() -> PaymentGateway:
    """Built per use (it is three strings): a rotated Stripe secret applies once the cached secret expires."""
    settings = get_settings()
    return StripeGateway(settings.secret("stripe_api_key"), settings.secret("stripe_webhook_secret"),
                         settings.stripe_api_base, settings.secret("stripe_connect_webhook_secret"))
