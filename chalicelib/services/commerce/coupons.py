"""Coupons: creators' discount codes, and their atomic redemption by the checkout.

The checkout calls `reserve` before it creates the payment (ONE transaction: the order's redemption, the
once-per-user guard and the conditional ADD to `redeemed`), `release` when the payment fails or is abandoned and
`confirm` when it succeeds; so a 5-use code under 50 concurrent checkouts commits exactly 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import Coupon, CouponRedemption
from chalicelib.models.base import utcnow
from chalicelib.services.catalog import products
from chalicelib.services.core.db import cancellation_codes, condition_failed, transaction
from chalicelib.services.core.pagination import Page, paginate


@dataclass(frozen=True)
class Discount:
    code: str
    amount_off_cents: int


def normalize(code: str) -> str:
    return code.strip().upper()


def discount_cents(coupon: Coupon, list_price_cents: int) -> int:
    """Integer minor units, floored, never more than the price."""
    if list_price_cents <= 0:
        return 0
    if coupon.kind == "percent":
        off = list_price_cents * int(coupon.discount_percent) // 100
    else:
        off = int(coupon.amount_off_cents)
    return max(0, min(off, list_price_cents))


def _order_pk(order_id: str, code: str) -> str:
    return f"O#{order_id}#{code}"


def _guard_pk(creator_id: str, code: str, buyer_id: str) -> str:
    return f"U#{creator_id}#{code}#{buyer_id}"


def _expired(coupon: Coupon, now: datetime) -> bool:
    return coupon.expires_at is not None and coupon.expires_at <= now


def _detail(field: str, msg: str) -> list[dict[str, Any]]:
    return [{"loc": ["body", field], "msg": msg, "type": "value_error"}]


# --- creator side -----------------------------------------------------------------------------------


def create_coupon(creator_id: str, fields: dict[str, Any]) -> Coupon:
    """`fields` come validated from `schemas.coupons.CouponCreate`; product and currency are checked here."""
    code = normalize(fields["code"])
    product_id = fields.get("product_id")
    currency = fields.get("currency")
    if product_id is not None:
        try:
            product = products.get_owned(creator_id, product_id)
        except NotFound:
            raise InvalidInput("product_id is not one of your products",
                               _detail("product_id", "unknown product")) from None
        if fields["kind"] == "amount":
            currency = currency or product.currency
            if currency != product.currency:
                raise InvalidInput("the coupon's currency must match the product's",
                                   _detail("currency", f"expected {product.currency}"))
    if fields["kind"] == "amount" and not currency:
        raise InvalidInput("an amount coupon needs a currency", _detail("currency", "required for kind=amount"))
    expires_at = fields.get("expires_at")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("expires_at must be in the future", _detail("expires_at", "in the past"))
    coupon = Coupon(creator_id, code, kind=fields["kind"], discount_percent=fields.get("discount_percent"),
                    amount_off_cents=fields.get("amount_off_cents"),
                    currency=currency if fields["kind"] == "amount" else None, product_id=product_id,
                    expires_at=expires_at, max_redemptions=fields.get("max_redemptions"),
                    is_once_per_user=fields.get("is_once_per_user", True), redeemed=0, is_active=True)
    try:
        coupon.save(condition=Coupon.code.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        raise Conflict(f"you already have a coupon {code}") from None
    return coupon


def list_coupons(creator_id: str, limit: int, cursor: str | None) -> Page:
    return paginate(lambda **page: Coupon.query(creator_id, **page), f"coupons|{creator_id}", cursor, limit)


def deactivate(creator_id: str, code: str) -> Coupon:
    """Idempotent; reservations already made stay valid. Another creator's code answers 404."""
    coupon = Coupon(creator_id, normalize(code))
    try:
        coupon.update(actions=[Coupon.is_active.set(False),
                               Coupon.deactivated_at.set(Coupon.deactivated_at | utcnow())],
                      condition=Coupon.code.exists())
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise NotFound("coupon not found") from None
    return coupon


# --- checkout side ----------------------------------------------------------------------------------


def _applicable(code: str, product: dict[str, Any]) -> Coupon:
    """The product's creator's coupon, if it applies to this product (422 otherwise; never other creators')."""
    try:
        coupon = Coupon.get(product["creator_id"], code, consistent_read=True)
    except DoesNotExist:
        raise InvalidInput(f"coupon code {code} is not valid") from None
    if not coupon.is_active:
        raise InvalidInput(f"coupon code {code} is not valid")
    if _expired(coupon, utcnow()):
        raise InvalidInput(f"coupon code {code} has expired")
    if coupon.product_id is not None and coupon.product_id != product["product_id"]:
        raise InvalidInput(f"coupon code {code} does not apply to this product")
    if coupon.kind == "amount" and coupon.currency != product.get("currency"):
        raise InvalidInput(f"coupon code {code} does not apply to this product's currency")
    return coupon


def reserve(code: str, buyer_id: str, product: dict, order_id: str, list_price_cents: int) -> Discount:
    """Hold one use of the code for this order (one transaction). Retrying for the same order is safe."""
    code = normalize(code)
    coupon = _applicable(code, product)
    amount = discount_cents(coupon, list_price_cents)
    now = utcnow()
    creator_id = product["creator_id"]
    guard = _guard_pk(creator_id, code, buyer_id) if coupon.is_once_per_user else None
    record = CouponRedemption(_order_pk(order_id, code), creator_id=creator_id, code=code, buyer_id=buyer_id,
                              order_id=order_id, status="reserved", guard_pk=guard, amount_off_cents=amount,
                              created_at=now, updated_at=now)
    condition = Coupon.is_active == True  # noqa: E712 - a DynamoDB condition, not a comparison
    condition &= Coupon.expires_at.does_not_exist() | (Coupon.expires_at > now)
    if coupon.max_redemptions is not None:
        condition &= Coupon.redeemed < int(coupon.max_redemptions)
    try:
        with transaction() as tx:
            tx.save(record, condition=CouponRedemption.pk.does_not_exist()
                    | (CouponRedemption.status == "released"))
            if guard:
                tx.save(CouponRedemption(guard, creator_id=creator_id, code=code, buyer_id=buyer_id,
                                         order_id=order_id, created_at=now, updated_at=now),
                        condition=CouponRedemption.pk.does_not_exist())
            tx.update(Coupon(creator_id, code), actions=[Coupon.redeemed.add(1)], condition=condition)
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if not codes:
            raise
        order_failed, coupon_failed = codes[0] is not None, codes[-1] is not None
        guard_failed = bool(guard) and codes[1] is not None
        if order_failed:
            return _existing_reservation(code, buyer_id, order_id)
        if guard_failed:
            raise Conflict(f"you have already used coupon code {code}") from None
        if coupon_failed:
            fresh = _applicable(code, product)  # 422 if it was deactivated or expired meanwhile
            if fresh.max_redemptions is not None and fresh.redeemed >= fresh.max_redemptions:
                raise Conflict(f"coupon code {code} has been fully redeemed") from None
        raise
    return Discount(code, amount)


def _existing_reservation(code: str, buyer_id: str, order_id: str) -> Discount:
    try:
        existing = CouponRedemption.get(_order_pk(order_id, code), consistent_read=True)
    except DoesNotExist:
        raise Conflict(f"coupon code {code} could not be reserved, try again") from None
    if existing.buyer_id != buyer_id:
        raise Conflict(f"coupon code {code} is held by another checkout")
    return Discount(code, int(existing.amount_off_cents or 0))


def release(code: str, buyer_id: str, order_id: str) -> None:
    """Give the use back (payment failed or abandoned). Idempotent; a used redemption is never released."""
    code = normalize(code)
    try:
        record = CouponRedemption.get(_order_pk(order_id, code), consistent_read=True)
    except DoesNotExist:
        return
    if record.status != "reserved" or record.buyer_id != buyer_id:
        return
    now = utcnow()
    try:
        with transaction() as tx:
            if record.guard_pk:
                tx.delete(CouponRedemption(record.guard_pk), condition=CouponRedemption.order_id == order_id)
            tx.update(record, actions=[CouponRedemption.status.set("released"), CouponRedemption.updated_at.set(now)],
                      condition=(CouponRedemption.status == "reserved") & (CouponRedemption.buyer_id == buyer_id))
            tx.update(Coupon(record.creator_id, code), actions=[Coupon.redeemed.add(-1)],
                      condition=Coupon.redeemed > 0)
    except TransactWriteError as exc:
        if not condition_failed(exc):
            raise
        # Released (or confirmed) concurrently: nothing left to give back.


def confirm(code: str, buyer_id: str, order_id: str) -> None:
    """Mark the reservation used (payment succeeded). Idempotent; a released one stays released."""
    code = normalize(code)
    try:
        CouponRedemption(_order_pk(order_id, code)).update(
            actions=[CouponRedemption.status.set("used"), CouponRedemption.updated_at.set(utcnow())],
            condition=(CouponRedemption.status == "reserved") & (CouponRedemption.buyer_id == buyer_id))
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
