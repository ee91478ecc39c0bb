"""Checkout and the buyer's orders: free products are granted at once, paid ones become an Order + PaymentIntent.

The amount always comes from the database; access for a paid order comes only from its verified webhook
(`order_events`), except when a coupon makes the order free. Pay-what-you-want at 0 (allowed when the minimum is
0) is the free claim: access at once, no order, no Stripe call. The buyer may cancel their pending order.
"""

from __future__ import annotations

import contextlib
import zlib
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrations import payments
from chalicelib.models import Order, Product
from chalicelib.models.base import utcnow
from chalicelib.models.commerce import PENDING_SHARDS, OpenCheckout
from chalicelib.observability import Metric, count
from chalicelib.services.access import grants
from chalicelib.services.accounts import emails
from chalicelib.services.analytics import funnel, rollups
from chalicelib.services.catalog import bundles, products
from chalicelib.services.commerce import coupons, fulfilment, mails
from chalicelib.services.commerce.errors import (
    AlreadyOwned,
    CheckoutInProgress,
    OrderNotCancellable,
    PaymentUnavailable,
)
from chalicelib.services.core.db import condition_failed, lost_race, transaction
from chalicelib.services.core.ids import new_id
from chalicelib.services.core.pagination import Page, paginate
from chalicelib.services.payouts import accounts as payout_accounts

CREATE_GRACE = timedelta(seconds=60)  # a pending order without a PaymentIntent younger than this is being created


def pending_shard(order_id: str) -> str:
    return str(zlib.crc32(order_id.encode()) % PENDING_SHARDS)


def _list_price(product: Product, amount_cents: int | None) -> int:
    if product.pricing_type != "pwyw":
        return int(product.price_cents)  # a client-sent amount for a fixed price is ignored
    minimum = int(product.min_price_cents or 0)
    amount = int(product.price_cents) if amount_cents is None else amount_cents
    if amount < minimum:
        raise InvalidInput(f"the minimum for this product is {minimum}", [
            {"loc": ["body", "amount_cents"], "msg": f"must be at least {minimum}", "type": "greater_than_equal"}])
    return amount


def _product_for_sale(buyer_id: str, ref: str) -> Product:
    product, reason = products.get_visible(ref, buyer_id)
    if reason is not None:
        raise Conflict("you already have access to this product", [{"reason": reason}])
    if product.status != "published":
        raise NotFound("product not found")
    return product


def checkout(buyer_id: str, buyer_email: str | None, ref: str, amount_cents: int | None,
             coupon_code: str | None) -> dict[str, Any]:
    """Buy (or claim) a product the buyer holds through no active source: 409 while one is active. A buyer whose
    access is suspended (a disputed purchase) or revoked (refunded) may buy again; the answer says so
    (`previous_access`), and the new purchase is a source of its own that the old one's outcome never touches."""
    product = _product_for_sale(buyer_id, ref)
    owned = _owned_members(buyer_id, product)
    held = grants.held_status(buyer_id, product.product_id)
    result = _checkout(buyer_id, buyer_email, product, amount_cents, coupon_code)
    if owned:
        result["already_owned_product_ids"] = owned
    return {**result, "previous_access": held} if held in ("suspended", "revoked") else result


def _owned_members(buyer_id: str, product: Product) -> list[str]:
    """A bundle's members the buyer already holds (or created): all of them → 409 `already_owned`; some → the
    answer lists them and the purchase goes ahead (their grants gain the bundle's source as well)."""
    if product.product_type != "bundle":
        return []
    members = bundles.member_states(products.state_of(product))
    owned = grants.access_map(buyer_id, members)
    held = [m["product_id"] for m in members if owned.get(m["product_id"])]
    if members and len(held) == len(members):
        raise AlreadyOwned("you already own every product in this bundle", [{"product_ids": held}])
    return held


def _checkout(buyer_id: str, buyer_email: str | None, product: Product, amount_cents: int | None,
              coupon_code: str | None) -> dict[str, Any]:
    state = products.state_of(product)
    if product.pricing_type == "free":
        return _claim_free(buyer_id, state)

    list_price = _list_price(product, amount_cents)
    coupon_code = _coupon_code(coupon_code) if list_price else None  # nothing to discount on a zero amount
    reopened = _reopen(buyer_id, product.product_id, list_price, coupon_code)
    if reopened is not None:
        return reopened
    if list_price == 0:  # pay-what-you-want at 0: the free claim (the open checkout was checked above)
        return _claim_free(buyer_id, state)
    terms = payout_accounts.charge_terms(product.creator_id)  # connect mode: 409 before anything is written
    order_id = new_id("ord")
    discount = 0
    if coupon_code:
        discount = min(coupons.reserve(coupon_code, buyer_id, state, order_id, list_price).amount_off_cents,
                       list_price)
    amount = list_price - discount
    fee = terms.fee(amount)
    order = Order(order_id, buyer_id=buyer_id, buyer_email=buyer_email, creator_id=product.creator_id,
                  product_id=product.product_id, product_type=product.product_type, currency=product.currency,
                  bundle_product_ids=set(product.bundle_product_ids or ()) or None,
                  list_price_cents=list_price, discount_cents=discount, amount_cents=amount,
                  platform_fee_cents=fee, creator_share_cents=amount - fee,
                  destination_account_id=terms.destination, coupon_code=coupon_code)
    try:
        if amount == 0:
            return _paid_without_payment(order, state)
        return _start_payment(order)
    except Exception:
        if coupon_code:
            coupons.release(coupon_code, buyer_id, order_id)
        raise


def _claim_free(buyer_id: str, state: dict[str, Any]) -> dict[str, Any]:
    """Nothing to pay (a free product or bundle, or pay-what-you-want at 0): access (+ enrollment, + every member's
    for a bundle) at once, no order, no Stripe call."""
    if fulfilment.claim(buyer_id, state):  # gave access: a claim, not a repeat of one
        count(Metric.FREE_CLAIMS)
    return {"status": "granted", "product_id": state["product_id"], "amount_cents": 0,
            "currency": state.get("currency")}


def _coupon_code(typed: str | None) -> str | None:
    """The code as coupons store it (upper case, trimmed): what the order records and the terms compare."""
    if typed is None:
        return None
    code = coupons.normalize(typed)
    if not code:
        raise InvalidInput("coupon code is empty", [{"loc": ["body", "coupon_code"], "msg": "empty",
                                                      "type": "value_error"}])
    return code


def _paid_without_payment(order: Order, state: dict[str, Any]) -> dict[str, Any]:
    """A 100 % coupon: the order is paid at 0 and access granted in one transaction, no Stripe call."""
    now = utcnow()
    order.status, order.paid_at, order.created_at, order.updated_at = "paid", now, now, now
    grant_write = fulfilment.plan(order.buyer_id, order.product_id, grants.order_source(order.order_id), "active",
                                  order.bundle_product_ids or ())
    title, members = mails.titles(order.product_id, order.bundle_product_ids or ())
    new_buyer = order.buyer_id if rollups.is_new_buyer(order.creator_id, order.buyer_id) else None
    with transaction() as tx:
        tx.save(order, condition=Order.order_id.does_not_exist())
        if grant_write is not None:
            grant_write(tx)
        mail_ids = mails.purchase(tx, order, title, members, now)
        rollups.add(tx, order.creator_id, order.product_id, order.currency, now, {"orders": 1}, new_buyer)
    count(Metric.ORDERS_PAID)
    funnel.count_checkout(order.creator_id, order.product_id)
    emails.deliver_quietly(*mail_ids)
    if order.coupon_code:
        coupons.confirm(order.coupon_code, order.buyer_id, order.order_id)
    return {"status": "granted", "product_id": order.product_id, "order_id": order.order_id,
            "amount_cents": 0, "currency": order.currency}


def _reopen(buyer_id: str, product_id: str, list_price: int, coupon_code: str | None) -> dict[str, Any] | None:
    """The buyer's open checkout of this product, when it is still pending on the same terms.

    A lock whose order is no longer pending (paid, failed, abandoned) is released. Other terms while one is
    pending answer 409: two PaymentIntents for one product must never both be payable.
    """
    try:
        lock = OpenCheckout.get(f"{buyer_id}#{product_id}", consistent_read=True)
        order = Order.get(lock.order_id, consistent_read=True)
    except DoesNotExist:
        return None
    if order.status != "pending":
        _unlock(buyer_id, product_id, order.order_id)
        return None
    if not order.client_secret or int(order.list_price_cents) != list_price or order.coupon_code != coupon_code:
        raise _in_progress(order)  # still being created, or other terms
    return _payment_required(order)


def _in_progress(order: Order) -> Conflict:
    return CheckoutInProgress("a checkout of this product is already in progress; pay it, or cancel it "
                              f"(POST /v1/orders/{order.order_id}/cancel) to start another",
                              [{"order_id": order.order_id}])


def _unlock(buyer_id: str, product_id: str, order_id: str) -> None:
    with contextlib.suppress(DeleteError):  # someone else already replaced or released it
        OpenCheckout(f"{buyer_id}#{product_id}").delete(condition=OpenCheckout.order_id == order_id)


def _payment_required(order: Order) -> dict[str, Any]:
    return {"status": "payment_required", "product_id": order.product_id, "order_id": order.order_id,
            "client_secret": order.client_secret, "amount_cents": int(order.amount_cents),
            "currency": order.currency}


def _destination_charge(order: Order) -> dict[str, Any]:
    """Connect mode: the PaymentIntent pays the creator's account, less the platform's fee (`payouts`)."""
    if not order.destination_account_id:
        return {}
    return {"destination": order.destination_account_id, "application_fee_cents": int(order.platform_fee_cents)}


def _start_payment(order: Order) -> dict[str, Any]:
    order.pending_shard = pending_shard(order.order_id)
    lock = OpenCheckout(f"{order.buyer_id}#{order.product_id}", order_id=order.order_id)
    try:
        with transaction() as tx:  # the order and the buyer's one open checkout of this product, together
            tx.save(order, condition=Order.order_id.does_not_exist())
            tx.save(lock, condition=OpenCheckout.buyer_product.does_not_exist())
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        raise CheckoutInProgress("a checkout of this product is already in progress; retry in a moment") from None
    funnel.count_checkout(order.creator_id, order.product_id)
    try:
        intent = payments.gateway().create_payment_intent(
            amount_cents=int(order.amount_cents), currency=order.currency,
            metadata={"order_id": order.order_id, "product_id": order.product_id, "buyer_id": order.buyer_id},
            idempotency_key=f"order-{order.order_id}", **_destination_charge(order))
    except payments.PaymentProviderError as exc:
        order.update(actions=[Order.status.set("failed"), Order.failure_reason.set("provider_error"),
                              Order.pending_shard.remove(), Order.updated_at.set(utcnow())])
        _unlock(order.buyer_id, order.product_id, order.order_id)
        raise PaymentUnavailable(str(exc)) from None
    order.update(actions=[Order.payment_intent_id.set(intent.id), Order.client_secret.set(intent.client_secret)])
    return _payment_required(order)


# --- the buyer's orders ------------------------------------------------------------------------------


def cancel_order(buyer_id: str, order_id: str) -> Order:
    """The buyer gives up their pending order: the PaymentIntent is cancelled at Stripe FIRST (so it can no longer
    be paid), then the order → cancelled (conditional on pending), its coupon released and its open-checkout lock
    released, so a checkout on other terms can start. Idempotent. An intent Stripe will not cancel (succeeded or
    processing) leaves the order pending for its webhook: 409."""
    order = get_order(buyer_id, order_id)
    if order.status == "cancelled":
        return order
    if order.status != "pending":
        raise OrderNotCancellable(f"an order that is {order.status} cannot be cancelled")
    if not order.payment_intent_id and order.created_at + CREATE_GRACE > utcnow():
        raise _in_progress(order)  # its PaymentIntent is being created right now
    if order.payment_intent_id:
        try:
            status = payments.gateway().cancel_payment_intent(payment_intent_id=order.payment_intent_id,
                                                              idempotency_key=f"cancel-{order.order_id}")
        except payments.PaymentProviderError as exc:
            raise PaymentUnavailable(str(exc)) from None
        if status != "canceled":
            raise OrderNotCancellable("the payment of this order is already under way; it cannot be cancelled",
                                      [{"order_id": order.order_id, "payment_status": status}])
    try:
        order.update(actions=[Order.status.set("cancelled"), Order.failure_reason.set("cancelled_by_buyer"),
                              Order.pending_shard.remove(), Order.updated_at.set(utcnow())],
                     condition=Order.status == "pending")
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        order.refresh(consistent_read=True)
        if order.status != "cancelled":
            raise OrderNotCancellable(f"an order that is {order.status} cannot be cancelled") from None
    _unlock(order.buyer_id, order.product_id, order.order_id)
    if order.coupon_code:
        coupons.release(order.coupon_code, order.buyer_id, order.order_id)
    return order


def get_order(buyer_id: str, order_id: str) -> Order:
    try:
        order = Order.get(order_id)
    except DoesNotExist:
        raise NotFound("order not found") from None
    if order.buyer_id != buyer_id:
        raise NotFound("order not found")
    return order


def list_orders(buyer_id: str, limit: int, cursor: str | None) -> Page[Order]:
    return paginate(lambda **page: Order.by_buyer.query(buyer_id, scan_index_forward=False, **page),
                    f"orders|{buyer_id}", cursor, limit)
