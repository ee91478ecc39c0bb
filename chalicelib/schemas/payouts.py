"""Creators' payouts: their Stripe account, balance, payouts and monthly statements (integer minor units, one item
per currency, never summed across currencies)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.schemas.common import StrictQuery


class OnboardingLink(BaseModel):
    stripe_account_id: str
    url: str = Field(description="Stripe's hosted onboarding; single use, expires within minutes: ask for another")
    expires_at: datetime


class PayoutAccountState(BaseModel):
    stripe_account_id: str
    is_details_submitted: bool
    is_charges_enabled: bool = Field(description="paid products can be published and sold")
    is_payouts_enabled: bool
    requirements_due: list[str] = Field(description="what Stripe still needs (currently due and past due)")


class Balance(BaseModel):
    currency: str
    available_cents: int
    pending_cents: int


class PayoutOut(BaseModel):
    payout_id: str
    status: Literal["paid", "failed"]
    amount_cents: int
    currency: str
    created_at: datetime
    arrival_at: datetime | None = None
    failure_code: str | None = None


class PayoutsOverview(BaseModel):
    mode: Literal["connect", "platform_collects"]
    is_held_by_platform: bool = Field(description="true: the platform collects and holds your share (balances "
                                      "come from our ledger), no Stripe account is involved")
    account: PayoutAccountState | None
    balances: list[Balance]
    payouts: list[PayoutOut] = Field(description="newest first")
    next_cursor: str | None


class StatementQuery(StrictQuery):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (UTC)")


class StatementFigures(BaseModel):
    currency: str
    orders: int = Field(description="orders paid in the month (a 100 % coupon's, at 0, moves no money: not here)")
    gross_cents: int
    fees_cents: int = Field(description="the platform's fees on those orders")
    refunds_cents: int
    refunded_fees_cents: int = Field(description="the part of the fees the refunds gave back")
    dispute_losses_cents: int = Field(description="what chargebacks withdrew (given back when won)")
    net_cents: int = Field(description="gross - fees - refunds + refunded fees - dispute losses")


class Statement(BaseModel):
    month: str
    currencies: list[StatementFigures]
