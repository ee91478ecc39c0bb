"""Checkout and orders. Request bodies are strict: a client cannot send a price, currency or fee."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt, StrictStr

from chalicelib.schemas.common import StrictBody


class CheckoutCreate(StrictBody):
    amount_cents: Annotated[StrictInt, Field(ge=0, le=100_000_000)] | None = Field(
        None, description="pay-what-you-want only: what the buyer chooses to pay (at least the minimum; 0 when the "
                          "minimum is 0 claims it for free); ignored for fixed prices")
    coupon_code: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None


class CheckoutOut(BaseModel):
    status: str = Field(description="granted (free, pay-what-you-want at 0, or a 100 % coupon) | payment_required")
    product_id: str
    order_id: str | None = None
    client_secret: str | None = Field(None, description="for Stripe.js confirmCardPayment in the SPA")
    amount_cents: int | None = None
    currency: str | None = None
    previous_access: Literal["suspended", "revoked"] | None = Field(
        None, description="present when the buyer held this product before through sources that are all suspended "
                          "(a disputed purchase) or revoked (refunded): this purchase gives access of its own")
    already_owned_product_ids: list[str] | None = Field(
        None, description="bundles: the members you already own (the bundle still gives you the others)")


class OrderOut(BaseModel):
    order_id: str
    product_id: str
    product_type: str
    status: str
    currency: str
    list_price_cents: int
    discount_cents: int
    amount_cents: int
    refunded_cents: int
    coupon_code: str | None = None
    failure_reason: str | None = None
    created_at: datetime
    paid_at: datetime | None = None
    updated_at: datetime


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = None


class WebhookAck(BaseModel):
    is_received: bool
    outcome: str
