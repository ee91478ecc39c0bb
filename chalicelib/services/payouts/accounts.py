"""A creator's Stripe Express account: onboarding (created once), its state from `account.updated`, and the terms
a checkout charges on (destination and fee) — the one place that decides whether a creator can sell paid products.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.config import get_settings
from chalicelib.errors import ServiceUnavailable
from chalicelib.integrations import payments
from chalicelib.models.base import utcnow
from chalicelib.models.payouts import PayoutAccount
from chalicelib.services.accounts import users
from chalicelib.services.core.db import condition_failed
from chalicelib.services.payouts import fees
from chalicelib.services.payouts.errors import OnboardingUnavailable, PayoutsNotReady

PROVIDER_RETRY_AFTER_SECONDS = 5


def is_connect() -> bool:
    """Connect mode: paid checkouts are destination charges to the creator's account (else the platform collects)."""
    return get_settings().payouts_mode == "connect"


def get_account(creator_id: str) -> PayoutAccount | None:
    try:
        return PayoutAccount.get(creator_id, consistent_read=True)
    except DoesNotExist:
        return None


def creator_for_stripe_account(stripe_account_id: str | None) -> PayoutAccount | None:
    """The account row of a connected account named by a Connect event (GSI, then a consistent GetItem)."""
    if not stripe_account_id:
        return None
    for key in PayoutAccount.by_stripe_account.query(stripe_account_id, limit=1):
        account = get_account(key.creator_id)
        return account if account is not None and account.stripe_account_id == stripe_account_id else None
    return None


def _chargeable(account: PayoutAccount | None) -> bool:
    return account is not None and bool(account.stripe_account_id) and bool(account.is_charges_enabled)


def require_ready_to_sell(creator_id: str) -> None:
    """Connect mode: a paid product is sold only by a creator whose account can accept charges (409 otherwise)."""
    if is_connect() and not _chargeable(get_account(creator_id)):
        raise PayoutsNotReady("connect a Stripe account that can accept payments before selling paid products")


@dataclass(frozen=True)
class ChargeTerms:
    """What a paid checkout charges: the creator's connected account (None: the platform collects) and the fee."""

    destination: str | None
    bps: int
    fixed_cents: int

    def fee(self, amount_cents: int) -> int:
        return fees.platform_fee(amount_cents, self.bps, self.fixed_cents)


def charge_terms(creator_id: str) -> ChargeTerms:
    """The terms of a paid checkout of this creator's product, read before anything is written (409 in connect
    mode when their account can no longer accept charges). The fee is their creator tier's (`PLATFORM_FEES`)."""
    creator = users.get_creator_account(creator_id)
    bps, fixed = get_settings().platform_fee((creator.ai_allowance_tier if creator else None) or "starter")
    if not is_connect():
        return ChargeTerms(None, bps, fixed)
    account = get_account(creator_id)
    if not _chargeable(account):
        raise PayoutsNotReady("this creator cannot accept payments right now")
    return ChargeTerms(account.stripe_account_id, bps, fixed)


def onboard(creator_id: str) -> dict[str, Any]:
    """The creator's Express account (created once: the Stripe idempotency key and a conditional write keyed by the
    creator) and a fresh Account Link to Stripe's onboarding."""
    if not is_connect():
        raise OnboardingUnavailable("this deployment collects payments on creators' behalf: no account to connect")
    gateway, settings = payments.gateway(), get_settings()
    account = get_account(creator_id)
    stripe_account_id = account.stripe_account_id if account else None
    try:
        if not stripe_account_id:
            stripe_account_id = _store_account(creator_id, gateway.create_connected_account(
                metadata={"creator_id": creator_id}, idempotency_key=f"payouts-account-{creator_id}"))
        link = gateway.create_account_link(account_id=stripe_account_id, refresh_url=settings.payouts_url("refresh"),
                                           return_url=settings.payouts_url("return"))
    except payments.PaymentProviderError as exc:  # safe to retry: the same key, the same account
        raise ServiceUnavailable(str(exc), PROVIDER_RETRY_AFTER_SECONDS) from None
    return {"stripe_account_id": stripe_account_id, "url": link.url, "expires_at": link.expires_at}


def _store_account(creator_id: str, stripe_account_id: str) -> str:
    """Record the account once; a concurrent onboarding that stored one first wins (same key: the same account)."""
    now = utcnow()
    try:
        PayoutAccount(creator_id).update(actions=[
            PayoutAccount.stripe_account_id.set(stripe_account_id), PayoutAccount.created_at.set(now),
            PayoutAccount.updated_at.set(now)], condition=PayoutAccount.stripe_account_id.does_not_exist())
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        stored = get_account(creator_id)
        return str(stored.stripe_account_id) if stored and stored.stripe_account_id else stripe_account_id
    return stripe_account_id
