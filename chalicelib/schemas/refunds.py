"""Refund requests: what the buyer sends, what the creator decides, what both see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt

from chalicelib.schemas.common import StrictBody, StrictQuery

RefundStatus = Literal["pending", "approved", "refunded", "denied"]
Cents = Annotated[StrictInt, Field(gt=0, le=100_000_000)]


class RefundRequestCreate(StrictBody):
    """`amount_cents` asks for a partial refund; without it, everything still refundable is requested."""

    reason: Annotated[str, Field(min_length=1, max_length=1000)]
    amount_cents: Cents | None = None


class RefundApprove(StrictBody):
    """`amount_cents` (≤ what is still refundable) overrides the requested amount."""

    amount_cents: Cents | None = None


class RefundDeny(StrictBody):
    note: Annotated[str, Field(max_length=1000)] | None = None


class RefundQueueQuery(StrictQuery):
    status: RefundStatus = "pending"
    limit: int | None = None
    cursor: str | None = None


class RefundRequestOut(BaseModel):
    request_id: str
    order_id: str
    product_id: str
    buyer_id: str
    status: RefundStatus
    reason: str
    currency: str
    amount_cents: int
    approved_amount_cents: int | None = None
    refund_id: str | None = None
    note: str | None = None
    created_at: datetime
    decided_at: datetime | None = None
    refunded_at: datetime | None = None
    consumed_percent: int | None = Field(None, description="what the buyer had consumed when asking (0-100): for a "
                                         "course the larger of lessons completed and video watched, for files the "
                                         "share of files downloaded")
    lessons_completed: int | None = None
    video_watched_seconds: int | None = Field(None, description="the furthest positions reached, summed over lessons")
    downloads: int | None = None
    is_auto_approved: bool = Field(False, description="approved at once by the product's refund rule")


class RefundRuleIn(StrictBody):
    """Approve a request at once when it is made within `within_days` of payment and the buyer consumed less than
    `max_consumed_percent`; others wait for you."""

    within_days: Annotated[StrictInt, Field(ge=1, le=365)]
    max_consumed_percent: Annotated[StrictInt, Field(ge=1, le=100)]


class RefundRuleOut(BaseModel):
    product_id: str
    within_days: int
    max_consumed_percent: int
    updated_at: datetime


class RefundRequestList(BaseModel):
    items: list[RefundRequestOut]


class RefundRequestPage(BaseModel):
    items: list[RefundRequestOut]
    next_cursor: str | None = None
