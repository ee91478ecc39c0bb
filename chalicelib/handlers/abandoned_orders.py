"""Schedule: pending orders older than `ABANDON_AFTER` become `abandoned` and release their coupon.

Pending orders are found through the sparse `pending` index (one Query per shard, oldest first, only
orders older than the cutoff), never a Scan. Each order changes under `status = pending`, so a payment
that succeeds meanwhile wins; a success that arrives after the sweep is still fulfilled (see fulfilment).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

ABANDON_AFTER = timedelta(minutes=60)
BATCH = 100


def sweep(now: Any = None, older_than: timedelta = ABANDON_AFTER) -> list[str]:
    """Mark stale pending orders abandoned; the ids it changed."""
    from pynamodb.exceptions import DoesNotExist, UpdateError

    from chalicelib.models import Order
    from chalicelib.models.base import utcnow
    from chalicelib.models.commerce import PENDING_SHARDS

    now = now or utcnow()
    cutoff = now - older_than
    changed = []
    for shard in range(PENDING_SHARDS):
        for key in Order.pending.query(str(shard), Order.created_at < cutoff, page_size=BATCH):
            try:
                order = Order.get(key.order_id, consistent_read=True)
                order.update(actions=[Order.status.set("abandoned"), Order.pending_shard.remove(),
                                      Order.updated_at.set(now)], condition=Order.status == "pending")
            except (DoesNotExist, UpdateError):
                continue  # paid, failed or changed meanwhile
            changed.append(order.order_id)
            if order.coupon_code:
                from chalicelib.services import coupons

                coupons.release(order.coupon_code, order.buyer_id, order.order_id)
    return changed


def abandon_stale_orders(event: Any) -> None:
    from chalicelib.observability import logger

    changed = sweep()
    logger.info("abandoned stale pending orders", extra={"count": len(changed)})
