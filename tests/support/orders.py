"""Orders written straight to the table, as the checkout and webhook flows would leave them (those flows have
their own tests): for the refund, sales and dashboard tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def make_order(api, creator: str = "alice", buyer: str = "bob", *, product_id: str | None = None,
               status: str = "paid", amount_cents: int = 1500, refunded_cents: int = 0, paid_days_ago: float = 1,
               currency: str = "USD", fee_cents: int = 75, created_days_ago: float | None = None,
               grant: bool = False) -> str:
    """An order of `buyer` for `product_id` (by default a new published ebook of `creator`); its id. `grant`: the
    buyer's access with this order as its source, as the payment's webhook leaves it."""
    from chalicelib.models import Order, Product
    from chalicelib.models.base import utcnow
    from chalicelib.services.access import grants
    from chalicelib.services.core.db import transaction
    from chalicelib.services.core.ids import new_id

    if product_id is None:
        api.creator(creator)
        product_id = api.published(creator)["product_id"]
    now = datetime.now(UTC)
    order_id = new_id("ord")
    paid_at = now - timedelta(days=paid_days_ago)
    created_at = now - timedelta(days=paid_days_ago if created_days_ago is None else created_days_ago)
    Order(order_id, buyer_id=buyer, creator_id=creator, product_id=product_id, product_type="ebook", status=status,
          currency=currency, list_price_cents=amount_cents, amount_cents=amount_cents, refunded_cents=refunded_cents,
          platform_fee_cents=fee_cents, payment_intent_id=f"pi_{order_id}", created_at=created_at,
          paid_at=None if status == "pending" else paid_at).save()
    if grant:
        held, product = grants.current_grant(buyer, product_id), Product.get(product_id).attribute_values
        with transaction() as tx:
            grants.set_source(tx, held, buyer, product, grants.order_source(order_id), "active", utcnow())
    return order_id
