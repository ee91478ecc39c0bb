"""Checkout: free → access at once; fixed and pay-what-you-want → a pending order and a real PaymentIntent on
localstripe (stripe-python over HTTP), amounts from the database only; the buyer's orders."""

from __future__ import annotations

import pytest

from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("stripe_gateway")


def _checkout(api, product_id, user="bob", **body):
    return api.call("POST", f"/v1/products/{product_id}/checkout", user, body)


def _intent(localstripe, client_secret):  # noqa: F811
    import stripe

    stripe.api_base = localstripe.url
    return stripe.PaymentIntent.retrieve(client_secret.split("_secret_")[0], api_key=localstripe.api_key).to_dict()


@pytest.fixture
def shop(api):
    api.creator("alice")
    return {
        "fixed": api.published("alice", title="Fixed book", price_cents=1500)["product_id"],
        "free": api.published("alice", title="Free course", product_type="course", pricing_type="free",
                              price_cents=0)["product_id"],
        "pwyw": api.published("alice", title="Template", product_type="template", pricing_type="pwyw",
                              price_cents=700, min_price_cents=300, template_format="notion")["product_id"],
        "draft": api.product("alice", title="Draft")["product_id"],
    }


def test_free_product_is_granted_at_once_with_its_enrollment(api, shop):
    response = _checkout(api, shop["free"])
    assert response.status_code == 201, response.json
    assert response.json["status"] == "granted" and response.json.get("client_secret") is None
    library = api.call("GET", "/v1/library", "bob").json["items"]
    assert [item["product"]["product_id"] for item in library] == [shop["free"]]
    assert api.call("GET", f"/v1/products/{shop['free']}/progress", "bob").status_code == 200
    again = _checkout(api, shop["free"])
    assert again.status_code == 409


def test_fixed_price_creates_a_pending_order_and_a_payment_intent(api, shop, localstripe):  # noqa: F811
    from chalicelib.models import Order

    response = _checkout(api, shop["fixed"], amount_cents=1)  # a client amount for a fixed price is ignored
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "payment_required" and body["amount_cents"] == 1500 and body["currency"] == "USD"
    intent = _intent(localstripe, body["client_secret"])
    assert intent["amount"] == 1500 and intent["currency"] == "usd"
    assert intent["metadata"] == {"order_id": body["order_id"], "product_id": shop["fixed"], "buyer_id": "bob"}
    order = Order.get(body["order_id"])
    assert (order.status, order.amount_cents, order.list_price_cents, order.payment_intent_id) == \
        ("pending", 1500, 1500, intent["id"])
    assert order.platform_fee_cents == 75  # 500 bps of 1500
    assert order.pending_shard is not None
    assert api.call("GET", "/v1/library", "bob").json["items"] == []  # no access before the webhook


@pytest.mark.parametrize("body", [{"price_cents": 1}, {"currency": "JPY"}, {"platform_fee_cents": 0},
                                  {"amount_cents": "500"}, {"amount_cents": 5.5}, {"amount_cents": 0}])
def test_client_cannot_send_prices_currencies_fees_or_loose_amounts(api, shop, body):
    from chalicelib.models import Order

    response = _checkout(api, shop["pwyw"], **body)
    assert response.status_code == 422, response.json
    assert list(Order.by_buyer.query("bob")) == []


def test_pay_what_you_want(api, shop, localstripe):  # noqa: F811
    below = _checkout(api, shop["pwyw"], amount_cents=299)
    assert below.status_code == 422 and below.json["error"]["code"] == "validation_error"
    chosen = _checkout(api, shop["pwyw"], amount_cents=1234)
    assert chosen.status_code == 201 and chosen.json["amount_cents"] == 1234
    assert _intent(localstripe, chosen.json["client_secret"])["amount"] == 1234
    suggested = _checkout(api, shop["pwyw"], user="dan")
    assert suggested.json["amount_cents"] == 700


def test_owners_drafts_and_unknown_products(api, shop):
    assert _checkout(api, shop["fixed"], user="alice").status_code == 409  # your own product
    assert _checkout(api, shop["draft"]).status_code == 404
    assert _checkout(api, "prd_nope").status_code == 404
    assert api.call("POST", f"/v1/products/{shop['fixed']}/checkout", None, {}).status_code == 401


def test_orders_are_private_and_paginated(api, shop):
    another = api.published("alice", title="Another book", price_cents=900)["product_id"]
    ids = [_checkout(api, product).json["order_id"] for product in (shop["fixed"], shop["pwyw"], another)]
    first = api.call("GET", "/v1/orders?limit=2", "bob")
    assert first.status_code == 200 and len(first.json["items"]) == 2 and first.json["next_cursor"]
    rest = api.call("GET", f"/v1/orders?limit=2&cursor={first.json['next_cursor']}", "bob").json
    assert sorted(o["order_id"] for o in first.json["items"] + rest["items"]) == sorted(ids)
    one = api.call("GET", f"/v1/orders/{ids[0]}", "bob")
    assert one.status_code == 200 and one.json["status"] == "pending" and "client_secret" not in one.json
    assert api.call("GET", f"/v1/orders/{ids[0]}", "carol").status_code == 404
    assert api.call("GET", "/v1/orders", "carol").json["items"] == []
    assert api.call("GET", f"/v1/orders?cursor={first.json['next_cursor']}", "carol").status_code == 400


def test_stripe_calls_carry_idempotency_keys_from_our_ids(api, shop, localstripe, monkeypatch):  # noqa: F811
    """localstripe ignores idempotency keys, so the key is checked where stripe-python receives it."""
    import stripe

    from chalicelib.integrations import payments

    seen = []
    for resource in (stripe.PaymentIntent, stripe.Refund):
        original = resource.create

        def recording(*args, _original=original, **params):
            seen.append(params)
            return _original(*args, **params)

        monkeypatch.setattr(resource, "create", recording)
    order = _checkout(api, shop["fixed"]).json
    assert seen[0]["idempotency_key"] == f"order-{order['order_id']}"
    intent_id = order["client_secret"].split("_secret_")[0]
    from tests.support.localstripe import pay_with_test_card

    pay_with_test_card(localstripe, intent_id)
    refund = payments.gateway().create_refund(payment_intent_id=intent_id, amount_cents=500,
                                              idempotency_key="refund-rr_1", metadata={"refund_request_id": "rr_1"})
    assert (refund.status, refund.amount_cents) == ("succeeded", 500)
    assert seen[1]["idempotency_key"] == "refund-rr_1" and seen[1]["payment_intent"] == intent_id


def test_provider_errors_fail_the_order_and_answer_503(api, shop, monkeypatch):
    from chalicelib.integrations import payments
    from chalicelib.models import Order

    class Down:
        def create_payment_intent(self, **_):
            raise payments.PaymentProviderError("payment provider error: APIConnectionError")

    monkeypatch.setattr(payments, "gateway", lambda: Down())
    response = _checkout(api, shop["fixed"])
    assert response.status_code == 503 and response.json["error"]["code"] == "payment_unavailable"
    assert response.headers["Retry-After"] == "5"
    [order] = Order.by_buyer.query("bob")
    assert order.status == "failed" and order.pending_shard is None


def test_a_retried_checkout_reuses_the_open_order_and_payment_intent(api, shop):
    from chalicelib.models import Order

    first = _checkout(api, shop["fixed"]).json
    again = _checkout(api, shop["fixed"])
    assert again.status_code == 201
    assert (again.json["order_id"], again.json["client_secret"]) == (first["order_id"], first["client_secret"])
    assert [o.order_id for o in Order.by_buyer.query("bob")] == [first["order_id"]]
    other_terms = _checkout(api, shop["pwyw"], amount_cents=500).json
    changed = _checkout(api, shop["pwyw"], amount_cents=900)
    assert changed.status_code == 409 and changed.json["error"]["code"] == "checkout_in_progress"
    assert changed.json["error"]["details"] == [{"order_id": other_terms["order_id"]}]


def test_a_finished_checkout_frees_the_next_one(api, shop):
    from chalicelib.models import Order

    first = _checkout(api, shop["fixed"]).json
    Order(first["order_id"]).update(actions=[Order.status.set("failed")])
    second = _checkout(api, shop["fixed"])
    assert second.status_code == 201 and second.json["order_id"] != first["order_id"]


def test_concurrent_checkouts_by_one_buyer_open_one_order(moto_server, monkeypatch):
    """Five simultaneous clicks (moto server mode): one order and one PaymentIntent; the others get that same
    order back or a 409 while it is being created — never a second payable intent."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.errors import Conflict
    from chalicelib.integrations import payments
    from chalicelib.models import Order
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products
    from chalicelib.services.commerce import checkout

    created = []

    class Gateway:
        def create_payment_intent(self, *, amount_cents, currency, metadata, idempotency_key):
            created.append(idempotency_key)
            return payments.PaymentIntent(id=f"pi_{len(created)}", client_secret=f"pi_{len(created)}_secret_x",
                                          status="requires_payment_method")

    monkeypatch.setattr(payments, "gateway", lambda: Gateway())
    users.open_creator_account("alice", None, "Alice", None)
    product = products.create_product("alice", {"product_type": "ebook", "title": "Race book", "pricing_type": "fixed",
                                               "price_cents": 1500, "description": "d"})
    products.publish_product("alice", product.product_id)
    barrier = threading.Barrier(5)

    def click():
        barrier.wait()
        try:
            return checkout.checkout("bob", None, product.product_id, None, None)["order_id"]
        except Conflict:
            return None

    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda _: click(), range(5)))
    orders = list(Order.by_buyer.query("bob"))
    assert len(orders) == 1 and len(created) == 1
    assert {r for r in results if r} == {orders[0].order_id}
    assert checkout.checkout("bob", None, product.product_id, None, None)["order_id"] == orders[0].order_id


def _no_stripe(monkeypatch):
    from chalicelib.integrations import payments

    class NoStripe:
        def __getattr__(self, name):
            raise AssertionError(f"Stripe was called: {name}")

    monkeypatch.setattr(payments, "gateway", lambda: NoStripe())


def test_pay_what_you_want_at_zero_is_the_free_claim(api, shop, monkeypatch):
    """PWYW with a minimum of 0: `{}` on a suggested price of 0, or amount 0, grants at once — no order, no Stripe
    (before: a 500, yet a grant and a $0 "paid" order were written)."""
    from chalicelib.models import Order

    zero = api.published("alice", title="Name your price", product_type="template", pricing_type="pwyw",
                         price_cents=0, min_price_cents=0, template_format="notion")["product_id"]
    tip = api.published("alice", title="Tip jar", product_type="template", pricing_type="pwyw",
                        price_cents=500, min_price_cents=0, template_format="notion")["product_id"]
    _no_stripe(monkeypatch)
    claimed = _checkout(api, zero)
    assert claimed.status_code == 201, claimed.json
    assert claimed.json | {"currency": None} == {"status": "granted", "product_id": zero, "amount_cents": 0,
                                                 "order_id": None, "client_secret": None, "currency": None,
                                                 "previous_access": None, "already_owned_product_ids": None}
    at_zero = _checkout(api, tip, amount_cents=0)
    assert at_zero.status_code == 201 and at_zero.json["status"] == "granted"
    assert list(Order.by_buyer.query("bob")) == []
    library = {item["product"]["product_id"] for item in api.call("GET", "/v1/library", "bob").json["items"]}
    assert library == {zero, tip}
    assert _checkout(api, zero).status_code == 409  # already yours
    below = _checkout(api, shop["pwyw"], user="dan", amount_cents=0)  # a minimum above 0 still holds
    assert below.status_code == 422 and list(Order.by_buyer.query("dan")) == []


def test_pay_what_you_want_at_zero_enrolls_in_a_course(api, monkeypatch):
    from tests.support.courses import make_course

    course = make_course(api, pricing_type="pwyw", price_cents=0, min_price_cents=0)
    _no_stripe(monkeypatch)
    claimed = _checkout(api, course.product_id)
    assert claimed.status_code == 201 and claimed.json["status"] == "granted", claimed.json
    assert api.call("GET", f"/v1/products/{course.product_id}/progress", "bob").status_code == 200


def test_the_order_keeps_the_coupon_code_as_the_coupon_spells_it(api, shop):
    """Typed `ma-half`, the coupon is MA-HALF: the order stores MA-HALF, and the same code typed otherwise is the
    same terms (the open checkout comes back)."""
    from chalicelib.services.commerce import coupons

    coupons.create_coupon("alice", {"code": "MA-HALF", "kind": "percent", "discount_percent": 50})
    first = _checkout(api, shop["fixed"], coupon_code="ma-half")
    assert first.status_code == 201 and first.json["amount_cents"] == 750, first.json
    order = api.call("GET", f"/v1/orders/{first.json['order_id']}", "bob").json
    assert order["coupon_code"] == "MA-HALF"
    again = _checkout(api, shop["fixed"], coupon_code=" Ma-Half ")
    assert again.status_code == 201 and again.json["order_id"] == first.json["order_id"]
    blank = _checkout(api, shop["pwyw"], coupon_code="  ")
    assert blank.status_code == 422


def _cancel(api, order_id, user="bob"):
    return api.call("POST", f"/v1/orders/{order_id}/cancel", user)


def test_the_buyer_cancels_a_pending_checkout_and_starts_another(api, shop, localstripe):  # noqa: F811
    """Before: other terms answered 409 `checkout_in_progress` for up to an hour, with no way out."""
    from chalicelib.models import Coupon
    from chalicelib.services.commerce import coupons

    coupons.create_coupon("alice", {"code": "TEN", "kind": "percent", "discount_percent": 10, "max_redemptions": 1})
    first = _checkout(api, shop["pwyw"], amount_cents=500, coupon_code="TEN").json
    assert int(Coupon.get("alice", "TEN").redeemed) == 1
    blocked = _checkout(api, shop["pwyw"], amount_cents=900)
    assert blocked.status_code == 409 and blocked.json["error"]["code"] == "checkout_in_progress"
    assert _cancel(api, first["order_id"], "carol").status_code == 404  # someone else's order
    cancelled = _cancel(api, first["order_id"])
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"
    assert _intent(localstripe, first["client_secret"])["status"] == "canceled"  # can no longer be paid
    assert int(Coupon.get("alice", "TEN").redeemed) == 0  # the coupon is released
    assert _cancel(api, first["order_id"]).status_code == 200  # idempotent
    replaced = _checkout(api, shop["pwyw"], amount_cents=900, coupon_code="TEN")
    assert replaced.status_code == 201 and replaced.json["order_id"] != first["order_id"], replaced.json
    assert replaced.json["amount_cents"] == 810
    assert api.call("GET", f"/v1/orders/{first['order_id']}", "bob").json["status"] == "cancelled"


def test_a_paid_payment_intent_cannot_be_cancelled(api, shop, localstripe):  # noqa: F811
    from tests.support.localstripe import pay_with_test_card

    order = _checkout(api, shop["fixed"]).json
    pay_with_test_card(localstripe, order["client_secret"].split("_secret_")[0])
    refused = _cancel(api, order["order_id"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "order_not_cancellable"
    assert api.call("GET", f"/v1/orders/{order['order_id']}", "bob").json["status"] == "pending"  # for its webhook
    from chalicelib.models import Order

    Order(order["order_id"]).update(actions=[Order.status.set("paid")])
    assert _cancel(api, order["order_id"]).json["error"]["code"] == "order_not_cancellable"
