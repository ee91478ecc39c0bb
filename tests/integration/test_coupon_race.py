"""50 concurrent reservations (50 different buyers) of a 5-use code: exactly 5 succeed, the rest get Conflict.

Runs against moto in server mode (`moto_server`): the in-process mock is not thread-safe. The services are called
from the threads directly, as the checkout does; each reservation is one TransactWriteItems whose coupon update is
conditioned on `redeemed < max_redemptions`.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.errors import Conflict

BUYERS = 50
USES = 5


@pytest.fixture
def product(moto_server):
    """A published product of a fresh creator (the server's state outlives a test) with a 5-use code FIVE."""
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products
    from chalicelib.services.commerce import coupons

    creator = f"alice-{uuid.uuid4().hex[:8]}"
    users.open_creator_account(creator, f"{creator}@example.com", "Alice", None)
    created = products.create_product(creator, {"product_type": "ebook", "title": "Hot book", "description": "d",
                                               "pricing_type": "fixed", "price_cents": 2000})
    published = products.publish_product(creator, created.product_id)
    coupons.create_coupon(creator, {"code": "FIVE", "kind": "percent", "discount_percent": 25, "max_redemptions": USES})
    return products.state_of(published)


def test_exactly_max_redemptions_succeed_and_release_frees_a_slot(product):
    from chalicelib.models import Coupon, CouponRedemption
    from chalicelib.services.commerce import coupons

    def attempt(i: int) -> str:
        try:
            coupons.reserve("FIVE", f"buyer-{i}", product, f"{product['creator_id']}-ord_{i}", 2000)
            return "ok"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        results = list(pool.map(attempt, range(BUYERS)))

    assert results.count("ok") == USES, results
    assert results.count("conflict") == BUYERS - USES
    assert Coupon.get(product["creator_id"], "FIVE", consistent_read=True).redeemed == USES
    winners = [i for i, result in enumerate(results) if result == "ok"]
    for i in winners:
        record = CouponRedemption.get(f"O#{product['creator_id']}-ord_{i}#FIVE", consistent_read=True)
        assert record.status == "reserved"

    coupons.release("FIVE", f"buyer-{winners[0]}", f"{product['creator_id']}-ord_{winners[0]}")  # that payment failed
    loser = next(i for i, result in enumerate(results) if result == "conflict")
    discount = coupons.reserve("FIVE", f"buyer-{loser}", product, f"{product['creator_id']}-ord_{loser}", 2000)
    assert discount.amount_off_cents == 500
    with pytest.raises(Conflict, match="fully redeemed"):
        coupons.reserve("FIVE", "buyer-late", product, f"{product['creator_id']}-ord_late", 2000)
    assert Coupon.get(product["creator_id"], "FIVE", consistent_read=True).redeemed == USES


def test_same_buyer_racing_with_itself_gets_one_use(product):
    from chalicelib.models import Coupon
    from chalicelib.services.commerce import coupons

    def attempt(i: int) -> str:
        try:
            coupons.reserve("FIVE", "buyer-1", product, f"{product['creator_id']}-ord_{i}", 2000)
            return "ok"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, range(10)))
    assert results.count("ok") == 1, results
    assert Coupon.get(product["creator_id"], "FIVE", consistent_read=True).redeemed == 1
