"""Pending orders nobody paid become `abandoned` and release their coupon (run by a schedule).

Pending orders are found through the sparse `pending` index (one Query per shard, oldest first, only orders
older than the cutoff), never a Scan. The order's PaymentIntent is cancelled at Stripe FIRST, so the buyer can no
longer pay an order we give up on; Stripe refuses to cancel an intent that already succeeded or is processing,
and such an order stays pending for its webhook to fulfil. Each order then changes under `status = pending`, so
a payment recorded meanwhile wins; a success event that still arrives after the sweep is recorded by
`order_events` — the money was taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.integrations import payments
from chalicelib.models import Order
from chalicelib.models.base import utcnow
from chalicelib.models.commerce import PENDING_SHARDS
from chalicelib.observability import logger
from chalicelib.services.commerce import coupons

ABANDON_AFTER = timedelta(minutes=60)
BATCH = 100


def _cancel_payment(order: Order) -> bool:
    """True when nothing can be paid on this order any more (no intent, or Stripe cancelled it)."""
    if not order.payment_intent_id:
        return True
    status = payments.gateway().cancel_payment_intent(payment_intent_id=order.payment_intent_id,
                                                      idempotency_key=f"abandon-{order.order_id}")
    return status == "canceled"


def sweep(now: datetime | None = None, older_than: timedelta = ABANDON_AFTER) -> list[str]:
    """Mark stale pending orders abandoned; the ids it changed."""
    now = now or utcnow()
    cutoff = now - older_than
    changed = []
    for shard in range(PENDING_SHARDS):
        for key in Order.pending.query(str(shard), Order.created_at < cutoff, page_size=BATCH):
            try:
                order = Order.get(key.order_id, consistent_read=True)
                if order.status != "pending" or not _cancel_payment(order):
                    continue  # paid (its webhook fulfils it) or changed meanwhile
                order.update(actions=[Order.status.set("abandoned"), Order.pending_shard.remove(),
                                      Order.updated_at.set(now)], condition=Order.status == "pending")
            except (DoesNotExist, UpdateError):
                continue  # paid, failed or changed meanwhile
            except payments.PaymentProviderError:
                logger.warning("could not cancel the payment of a stale order", extra={"order_id": key.order_id})
                continue  # Stripe unreachable: the next sweep tries again
            changed.append(order.order_id)
            if order.coupon_code:
                coupons.release(order.coupon_code, order.buyer_id, order.order_id)
    return changed
