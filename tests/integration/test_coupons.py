"""Coupons: the creator's endpoints, and the reserve / release / confirm contract the checkout relies on.

Single-threaded cases run on the in-process mock; the concurrency race is in test_coupon_race.py (server mode).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.errors import Conflict, InvalidInput


@pytest.fixture
def shop(api):
    """alice (creator) with two published products (USD 1999 and EUR 1000); bob is another creator."""
    api.creator("alice")
    api.creator("bob")
    book = api.published("alice", title="Book", price_cents=1999)
    euro = api.published("alice", title="Euro book", price_cents=1000, currency="EUR")
    other = api.published("bob", title="Bob's book", price_cents=500)
    return api, book, euro, other


def coupon(api, user="alice", **fields):
    body = {"code": "SAVE10", "kind": "percent", "discount_percent": 10, **fields}
    return api.call("POST", "/v1/creator/coupons", user, body)


def test_create_list_deactivate(shop):
    api, book, _, _ = shop
    created = coupon(api, code="save-10", product_id=book["product_id"], max_redemptions=5)
    assert created.status_code == 201, created.json
    assert created.json | {"created_at": None} == {
        "code": "SAVE-10", "kind": "percent", "discount_percent": 10, "amount_off_cents": None, "currency": None,
        "product_id": book["product_id"], "expires_at": None, "max_redemptions": 5, "redeemed": 0,
        "is_once_per_user": True, "is_active": True, "created_at": None}
    assert coupon(api, code="SAVE-10").status_code == 409  # unique per creator
    assert coupon(api, "bob", code="SAVE-10").status_code == 201  # another creator may use the same code
    listed = api.call("GET", "/v1/creator/coupons", "alice").json
    assert [c["code"] for c in listed["items"]] == ["SAVE-10"]

    assert api.call("POST", "/v1/creator/coupons/SAVE-10/deactivate", "alice").json["is_active"] is False
    assert api.call("POST", "/v1/creator/coupons/save-10/deactivate", "alice").status_code == 200  # idempotent
    assert api.call("POST", "/v1/creator/coupons/NOPE/deactivate", "alice").status_code == 404


def test_other_creators_coupons_are_404(shop):
    api, *_ = shop
    assert coupon(api, "bob", code="BOBS").status_code == 201
    assert api.call("POST", "/v1/creator/coupons/BOBS/deactivate", "alice").status_code == 404
    assert api.call("GET", "/v1/creator/coupons", "alice").json["items"] == []


@pytest.mark.parametrize("fields", [
    {"code": "no spaces"}, {"code": "AB"}, {"discount_percent": 0}, {"discount_percent": 101},
    {"discount_percent": 10.0},
    {"discount_percent": "10"}, {"kind": "amount", "discount_percent": None, "amount_off_cents": 100, "currency": None},
    {"kind": "amount", "amount_off_cents": 100, "currency": "USD"}, {"kind": "other"},
    {"max_redemptions": 0}, {"is_once_per_user": "yes"}, {"redeemed": 3}, {"expires_at": "2020-01-01T00:00:00Z"},
    {"expires_at": "2099-01-01T00:00:00"},
])
def test_invalid_coupons_are_422(shop, fields):
    api, *_ = shop
    body = {k: v for k, v in {"code": "SAVE10", "kind": "percent", "discount_percent": 10, **fields}.items()
            if v is not None}
    response = api.call("POST", "/v1/creator/coupons", "alice", body)
    assert response.status_code == 422, (fields, response.json)


def test_product_must_be_the_creators_and_currency_must_match(shop):
    api, book, _, other = shop
    assert coupon(api, product_id=other["product_id"]).status_code == 422
    assert coupon(api, kind="amount", discount_percent=None, amount_off_cents=100, currency="EUR",
                  product_id=book["product_id"]).status_code == 422
    body = {"code": "FIVE", "kind": "amount", "amount_off_cents": 500, "product_id": book["product_id"]}
    made = api.call("POST", "/v1/creator/coupons", "alice", body)
    assert made.status_code == 201 and made.json["currency"] == "USD"


def test_non_creators_cannot_create(api):
    assert coupon(api, "carol").status_code == 403
    assert api.call("GET", "/v1/creator/coupons").status_code == 401


# --- the checkout contract ---------------------------------------------------------------------------


def product_dict(product_id: str) -> dict:
    from chalicelib.models import Product

    return dict(Product.get(product_id).attribute_values)


def redeemed(creator: str, code: str) -> int:
    from chalicelib.models import Coupon

    return int(Coupon.get(creator, code).redeemed)


def test_percent_and_amount_math(shop):
    from chalicelib.services.commerce import coupons

    api, book, euro, _ = shop
    coupon(api, code="THIRD", discount_percent=33, is_once_per_user=False)
    api.call("POST", "/v1/creator/coupons", "alice", {"code": "BIG", "kind": "amount", "amount_off_cents": 5000,
                                                      "currency": "USD", "is_once_per_user": False})
    product = product_dict(book["product_id"])
    assert coupons.reserve("third", "u1", product, "ord_1", 1999) == coupons.Discount("THIRD", 659)  # floor(659.67)
    assert coupons.reserve("THIRD", "u1", product, "ord_2", 1).amount_off_cents == 0
    assert coupons.reserve("BIG", "u1", product, "ord_3", 1999).amount_off_cents == 1999  # never above the price
    with pytest.raises(InvalidInput, match="currency"):
        coupons.reserve("BIG", "u1", product_dict(euro["product_id"]), "ord_4", 1000)
    coupon(api, code="ALL", discount_percent=100)
    assert coupons.reserve("ALL", "u2", product, "ord_5", 1999).amount_off_cents == 1999


def test_unknown_wrong_product_expired_and_inactive_are_422(shop):
    from chalicelib.models import Coupon
    from chalicelib.models.base import utcnow
    from chalicelib.services.commerce import coupons

    api, book, euro, other = shop
    coupon(api, code="BOOKONLY", product_id=book["product_id"])
    coupon(api, "bob", code="BOBS")
    with pytest.raises(InvalidInput, match="not valid"):
        coupons.reserve("NOPE", "u1", product_dict(book["product_id"]), "ord_1", 1999)
    with pytest.raises(InvalidInput, match="not valid"):  # bob's code does not exist for alice's products
        coupons.reserve("BOBS", "u1", product_dict(book["product_id"]), "ord_1", 1999)
    with pytest.raises(InvalidInput, match="does not apply"):
        coupons.reserve("BOOKONLY", "u1", product_dict(euro["product_id"]), "ord_1", 1000)
    with pytest.raises(InvalidInput, match="not valid"):  # alice's code on bob's product
        coupons.reserve("BOOKONLY", "u1", product_dict(other["product_id"]), "ord_1", 500)

    coupon(api, code="SOON", expires_at=(utcnow() + timedelta(hours=1)).isoformat())
    Coupon("alice", "SOON").update(actions=[Coupon.expires_at.set(utcnow() - timedelta(seconds=1))])
    with pytest.raises(InvalidInput, match="expired"):
        coupons.reserve("SOON", "u1", product_dict(book["product_id"]), "ord_1", 1999)
    api.call("POST", "/v1/creator/coupons/BOOKONLY/deactivate", "alice")
    with pytest.raises(InvalidInput, match="not valid"):
        coupons.reserve("BOOKONLY", "u1", product_dict(book["product_id"]), "ord_1", 1999)
    assert redeemed("alice", "BOOKONLY") == 0 and redeemed("alice", "SOON") == 0


def test_once_per_user_exhaustion_release_and_confirm(shop):
    from chalicelib.models import CouponRedemption
    from chalicelib.services.commerce import coupons

    api, book, _, _ = shop
    coupon(api, code="TWO", max_redemptions=2)
    product = product_dict(book["product_id"])
    coupons.reserve("TWO", "u1", product, "ord_1", 1999)
    assert coupons.reserve("TWO", "u1", product, "ord_1", 1999).amount_off_cents == 199  # retry: same order
    with pytest.raises(Conflict, match="already used"):
        coupons.reserve("TWO", "u1", product, "ord_2", 1999)
    coupons.reserve("TWO", "u2", product, "ord_3", 1999)
    with pytest.raises(Conflict, match="fully redeemed"):
        coupons.reserve("TWO", "u3", product, "ord_4", 1999)
    assert redeemed("alice", "TWO") == 2

    coupons.release("TWO", "u2", "ord_3")
    coupons.release("TWO", "u2", "ord_3")  # idempotent
    coupons.release("TWO", "u1", "ord_999")  # not this order's: nothing happens
    coupons.release("TWO", "u9", "ord_1")  # not this buyer's: nothing happens
    assert redeemed("alice", "TWO") == 1
    coupons.reserve("TWO", "u3", product, "ord_4", 1999)  # the freed slot

    coupons.confirm("TWO", "u1", "ord_1")
    coupons.confirm("TWO", "u1", "ord_1")  # idempotent
    coupons.release("TWO", "u1", "ord_1")  # a used redemption is never given back
    assert CouponRedemption.get("O#ord_1#TWO").status == "used"
    assert redeemed("alice", "TWO") == 2
    coupons.confirm("TWO", "u2", "ord_3")  # released: stays released
    assert CouponRedemption.get("O#ord_3#TWO").status == "released"


def test_released_buyer_may_use_the_code_again_and_multi_use_codes(shop):
    from chalicelib.services.commerce import coupons

    api, book, _, _ = shop
    coupon(api, code="ONCE")
    coupon(api, code="MANY", is_once_per_user=False, max_redemptions=3)
    product = product_dict(book["product_id"])
    coupons.reserve("ONCE", "u1", product, "ord_1", 1999)
    coupons.release("ONCE", "u1", "ord_1")
    coupons.reserve("ONCE", "u1", product, "ord_2", 1999)  # the payment failed: the buyer may try again
    for order in ("ord_a", "ord_b", "ord_c"):
        coupons.reserve("MANY", "u1", product, order, 1999)
    with pytest.raises(Conflict):
        coupons.reserve("MANY", "u1", product, "ord_d", 1999)
