"""Coupon requests and responses. Money is integer minor units; percentages are strict integers 1-100."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictBool, StrictInt, model_validator

from chalicelib.schemas.common import StrictBody
from chalicelib.schemas.products import Currency

# Letters in either case, digits and `-`; stored upper-case. The constraints are checked before the upper-casing
# (an AfterValidator), so the emitted schema states exactly what is accepted (a BeforeValidator hid them).
Code = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9-]+$"), AfterValidator(str.upper)]


class CouponCreate(StrictBody):
    """`percent`: `discount_percent` 1-100. `amount`: `amount_off_cents` in the minor units of `currency` (defaults
    to the product's currency when `product_id` is given; must match it). No `product_id`: all your products."""

    code: Code
    kind: Literal["percent", "amount"]
    discount_percent: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    amount_off_cents: Annotated[StrictInt, Field(ge=1, le=100_000_000)] | None = None
    currency: Currency | None = None
    product_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    expires_at: datetime | None = None
    max_redemptions: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None
    is_once_per_user: StrictBool = True

    @model_validator(mode="after")
    def _kind_fields(self) -> CouponCreate:
        if self.kind == "percent":
            if self.discount_percent is None:
                raise ValueError("percent coupons need discount_percent")
            if self.amount_off_cents is not None or self.currency is not None:
                raise ValueError("percent coupons take no amount_off_cents or currency")
        else:
            if self.amount_off_cents is None:
                raise ValueError("amount coupons need amount_off_cents")
            if self.discount_percent is not None:
                raise ValueError("amount coupons take no discount_percent")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("expires_at needs a timezone (e.g. 2030-01-01T00:00:00Z)")
        return self


class CouponOut(BaseModel):
    code: str
    kind: str
    discount_percent: int | None = None
    amount_off_cents: int | None = None
    currency: str | None = None
    product_id: str | None = None
    expires_at: datetime | None = None
    max_redemptions: int | None = None
    redeemed: int
    is_once_per_user: bool
    is_active: bool
    created_at: datetime


class CouponPage(BaseModel):
    items: list[CouponOut]
    next_cursor: str | None = None
