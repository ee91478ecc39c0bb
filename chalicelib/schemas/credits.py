"""AI credit packs, their purchases, the AI usage ledger and its breakdown by feature and day. Checkout takes no
body: the pack's price, currency and tokens come from the catalogue, never from the client."""

from __future__ import annotations

from datetime import date as date_type
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class CreditPackOut(BaseModel):
    pack_id: str
    tokens: int = Field(description="AI tokens added to your credit balance")
    price_cents: int
    currency: str


class CreditPackList(BaseModel):
    items: list[CreditPackOut]


class CreditCheckoutOut(BaseModel):
    purchase_id: str
    pack_id: str
    status: str = Field(description="pending until Stripe's webhook reports the payment")
    tokens: int
    amount_cents: int
    currency: str
    client_secret: str | None = Field(None, description="for Stripe.js confirmCardPayment in the SPA")


class CreditPurchaseOut(BaseModel):
    purchase_id: str
    pack_id: str
    status: str = Field(description="pending | paid | partially_refunded | refunded | failed | mismatch "
                                    "(the payment did not match the purchase: nothing was credited)")
    tokens: int
    amount_cents: int
    currency: str
    failure_reason: str | None = None
    refunded_cents: int
    refund_tokens: int = Field(description="what the refunds are worth in tokens (rounded up)")
    clawed_back_tokens: int = Field(description="taken back from the balance (spent tokens cannot be)")
    created_at: datetime
    paid_at: datetime | None = None
    updated_at: datetime


class AiUsageEntry(BaseModel):
    kind: str = Field(description="call (an AI call) | credit (a credit pack) | clawback (a refund taking credits "
                                  "back, negative)")
    request_id: str | None = Field(None, description="calls: the Idempotency-Key or generated request id")
    reference: str | None = Field(None, description="credit movements: the purchase (and refund) they belong to")
    feature: str | None = None
    model: str | None = None
    status: str = Field(description="calls: reserved | committed | released; credit movements: committed")
    reserved_tokens: int | None = Field(None, description="calls: the most the call could use")
    tokens: int | None = Field(None, description="tokens charged (calls) or moved (credit movements)")
    allowance_tokens: int | None = Field(None, description="calls: the part charged to the monthly allowance")
    credit_tokens: int | None = Field(None, description="calls: the part charged to purchased credits")
    created_at: datetime
    committed_at: datetime | None = None
    released_at: datetime | None = None


class AiUsagePage(BaseModel):
    items: list[AiUsageEntry]
    next_cursor: str | None = None


class AiUsageFigures(BaseModel):
    used_tokens: int = Field(description="tokens charged for committed AI calls (allowance and credits together)")
    calls: int = Field(description="AI calls committed (failed calls charge nothing and are not counted)")
    cost_saved_cents: int = Field(description="what buying those tokens would have cost: used_tokens × the reference "
                                              "price per 1,000 tokens (AI_REFERENCE_PRICE_CENTS_PER_1000_TOKENS, by "
                                              "default the small credit pack's price) / 1,000, in minor units of "
                                              "`currency`, rounded half up for each day and feature; larger buckets "
                                              "and totals add those")


class AiFeatureUsage(AiUsageFigures):
    feature: str = Field(description="outline, enhance, quiz, description, …")


class AiUsagePoint(AiUsageFigures):
    date: date_type = Field(description="the first UTC day of the bucket (a Monday for weeks, the 1st for months)")
    features: list[AiFeatureUsage] = Field(description="every feature used in the range, zeros included")


class AiUsageBreakdown(BaseModel):
    """Calls count on the UTC day they were committed."""

    from_date: date_type
    to_date: date_type
    granularity: Literal["day", "week", "month"]
    currency: str = Field(description="the currency of every cost_saved_cents")
    totals: AiUsageFigures
    features: list[AiFeatureUsage] = Field(description="the whole range per feature, by feature name")
    series: list[AiUsagePoint] = Field(description="every bucket of the range")
