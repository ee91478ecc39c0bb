"""Review aggregates under concurrency, and a bundle's fulfilment under duplicate deliveries, on moto in server mode
(`moto_server`; the in-process mock is not thread-safe).

20 buyers create, edit, delete and hide (their refund's webhook) reviews of one product at once; the product's
counters must equal a recount of the visible reviews. Ten concurrent deliveries of one bundle payment grant every
member exactly once.
"""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

BUYERS = 20


@pytest.fixture
def shop(moto_server):
    """A fresh creator (the server's state outlives a test) with two published books and a bundle of them."""
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products

    creator = f"alice-{uuid.uuid4().hex[:8]}"
    users.open_creator_account(creator, f"{creator}@example.com", "Alice", None)

    def published(**fields):
        body = {"product_type": "ebook", "title": "Book", "description": "d", "pricing_type": "fixed",
                "price_cents": 1500, **fields}
        return products.publish_product(creator, products.create_product(creator, body).product_id).product_id

    books = [published(title=f"Book {n}") for n in range(2)]
    return {"creator": creator, "books": books, "bundle": published(product_type="bundle", title="Both",
                                                                    bundle_product_ids=books)}


def _paid(product_id: str, buyer: str) -> str:
    """A paid order and its access, as the payment's webhook leaves them (written directly: the webhook's own
    concurrency is the other test's)."""
    from chalicelib.models import Order, Product
    from chalicelib.models.base import utcnow
    from chalicelib.services.access import grants
    from chalicelib.services.core.db import transaction
    from chalicelib.services.core.ids import new_id

    order_id, now = new_id("ord"), utcnow()
    with transaction() as tx:
        tx.save(Order(order_id, buyer_id=buyer, creator_id="c", product_id=product_id, product_type="ebook",
                      currency="USD", list_price_cents=1500, amount_cents=1500, payment_intent_id=f"pi_{order_id}",
                      status="paid", paid_at=now))
        grants.set_source(tx, None, buyer, Product.get(product_id).attribute_values, grants.order_source(order_id),
                          "active", now)
    return order_id


def _success(order_id: str, event_id: str | None = None) -> dict:
    from chalicelib.services.core.ids import new_id

    return {"id": event_id or new_id("evt"), "type": "payment_intent.succeeded",
            "data": {"object": {"id": f"pi_{order_id}", "metadata": {"order_id": order_id}}}}


def _recount(product_id: str) -> dict:
    from chalicelib.models import Review

    ratings = [int(r.rating) for r in Review.query(product_id, consistent_read=True) if r.is_visible]
    return {"count": len(ratings), "sum": sum(ratings), **{n: ratings.count(n) for n in range(1, 6)}}


def _stored(product_id: str) -> dict:
    from chalicelib.models import Product

    p = Product.get(product_id, consistent_read=True)
    return {"count": int(p.rating_count), "sum": int(p.rating_sum),
            **{n: int(getattr(p, f"rating_{n}_count")) for n in range(1, 6)}}


def test_twenty_concurrent_reviews_edits_deletes_and_refunds_keep_the_aggregates_exact(shop):
    from chalicelib.services.commerce import webhooks
    from chalicelib.services.reviews import reviews

    product_id = shop["books"][0]
    buyers = [f"buyer-{uuid.uuid4().hex[:6]}-{i}" for i in range(BUYERS)]
    orders = {buyer: _paid(product_id, buyer) for buyer in buyers}

    def life(i: int) -> None:
        buyer, chance = buyers[i], random.Random(i)
        reviews.create(buyer, None, None, product_id, chance.randint(1, 5), "first")
        reviews.edit(buyer, product_id, {"rating": chance.randint(1, 5)})
        action = i % 3
        if action == 0:
            reviews.delete(buyer, product_id)
        elif action == 1:  # refunded in full: the webhook hides the review in its transaction
            webhooks.handle({"id": f"evt_{buyer}", "type": "charge.refunded", "data": {"object": {
                "id": f"ch_{buyer}", "payment_intent": f"pi_{orders[buyer]}", "amount_refunded": 1500,
                "metadata": {}}}})

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        list(pool.map(life, range(BUYERS)))  # any exception fails the test

    assert _stored(product_id) == _recount(product_id)
    assert 0 < _stored(product_id)["count"] < BUYERS


def test_concurrent_deliveries_of_a_bundle_payment_grant_every_member_once(shop):
    from chalicelib.models import AccessGrant, Order
    from chalicelib.services.commerce import webhooks
    from chalicelib.services.core.ids import new_id

    order_id = new_id("ord")
    Order(order_id, buyer_id="bob", creator_id=shop["creator"], product_id=shop["bundle"], product_type="bundle",
          currency="USD", list_price_cents=1500, amount_cents=1500, payment_intent_id=f"pi_{order_id}",
          bundle_product_ids=set(shop["books"])).save()
    event = _success(order_id, "evt_same")
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: webhooks.handle(event), range(10)))
    assert outcomes.count("granted") == 1 and set(outcomes) == {"granted", "duplicate"}, outcomes
    for product_id in (shop["bundle"], *shop["books"]):
        grant = AccessGrant.get("bob", product_id, consistent_read=True)
        assert grant.status == "active" and int(grant.version) == 1, product_id
