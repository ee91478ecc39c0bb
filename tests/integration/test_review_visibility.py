"""A buyer's review follows their access: a full refund, an opened or lost dispute hide it and take it out of the
aggregates (in the webhook's own transaction); a won dispute or a re-purchase bring it back; a bundle's refund hides
the reviews of the members it gave."""

from __future__ import annotations

import pytest

from tests.support.courses import grant
from tests.support.orders import make_order


def _event(kind, obj):
    from chalicelib.services.commerce import webhooks
    from chalicelib.services.core.ids import new_id

    return webhooks.handle({"id": new_id("evt"), "type": kind, "data": {"object": obj}})


@pytest.fixture
def bought(api):
    """bob bought alice's book (order paid, access active) and reviewed it 2; carol reviewed it 4."""
    api.creator("alice")
    product_id = api.published("alice", title="Book", price_cents=1500)["product_id"]
    order_id = make_order(api, product_id=product_id, buyer="bob", amount_cents=1500, grant=True)
    grant("carol", product_id)
    for user, rating in (("bob", 2), ("carol", 4)):
        path = f"/v1/products/{product_id}/reviews"
        assert api.call("POST", path, user, {"rating": rating}).status_code == 201
    return {"product_id": product_id, "intent": f"pi_{order_id}"}


def _state(api, product_id):
    rating = api.call("GET", f"/v1/products/{product_id}").json["rating_summary"]
    listed = sorted(r["rating"] for r in api.call("GET", f"/v1/products/{product_id}/reviews").json["items"])
    mine = api.call("GET", f"/v1/products/{product_id}/reviews/mine", "bob").json
    return rating["count"], rating["average_rating_hundredths"], listed, mine["is_visible"]


def test_a_full_refund_hides_the_review_and_a_partial_one_does_not(api, bought):
    refund = {"id": "ch_1", "payment_intent": bought["intent"], "metadata": {}}
    assert _event("charge.refunded", {**refund, "amount_refunded": 500}) == "partially_refunded"
    assert _state(api, bought["product_id"]) == (2, 300, [2, 4], True)
    assert _event("charge.refunded", {**refund, "amount_refunded": 1500}) == "refunded"
    assert _state(api, bought["product_id"]) == (1, 400, [4], False)
    rating = api.call("GET", f"/v1/products/{bought['product_id']}").json["rating_summary"]
    assert rating["histogram"][1] == {"rating": 2, "count": 0}


def test_an_open_dispute_hides_it_and_a_won_one_restores_it(api, bought):
    dispute = {"id": "dp_1", "payment_intent": bought["intent"]}
    assert _event("charge.dispute.created", {**dispute, "status": "needs_response"}) == "suspended"
    assert _state(api, bought["product_id"]) == (1, 400, [4], False)
    assert _event("charge.dispute.closed", {**dispute, "status": "won"}) == "restored"
    assert _state(api, bought["product_id"]) == (2, 300, [2, 4], True)


def test_a_lost_dispute_hides_it_for_good(api, bought):
    dispute = {"id": "dp_1", "payment_intent": bought["intent"]}
    assert _event("charge.dispute.closed", {**dispute, "status": "lost"}) == "revoked"
    assert _state(api, bought["product_id"]) == (1, 400, [4], False)


def test_a_re_purchase_after_a_refund_brings_the_review_back(api, bought):
    _event("charge.refunded", {"id": "ch_1", "payment_intent": bought["intent"], "amount_refunded": 1500,
                               "metadata": {}})
    assert _state(api, bought["product_id"])[3] is False
    # the hidden review can still be edited by its author, and stays out of the aggregates
    edited = api.call("PATCH", f"/v1/products/{bought['product_id']}/reviews/mine", "bob", {"rating": 1})
    assert edited.status_code == 200 and not edited.json["is_visible"]
    assert _state(api, bought["product_id"])[:2] == (1, 400)
    order_id = make_order(api, product_id=bought["product_id"], buyer="bob", status="pending", amount_cents=1500)
    assert _event("payment_intent.succeeded", {"id": f"pi_{order_id}", "metadata": {"order_id": order_id}}) == \
        "granted"
    assert _state(api, bought["product_id"]) == (2, 250, [1, 4], True)


def test_a_bundle_refund_hides_the_reviews_of_the_members_it_gave(api):
    from chalicelib.models import Order

    api.creator("alice")
    members = [api.published("alice", title=f"Book {n}")["product_id"] for n in range(2)]
    bundle = api.call("POST", "/v1/products", "alice", {
        "product_type": "bundle", "title": "Both", "pricing_type": "fixed", "price_cents": 2000,
        "description": "Both books", "bundle_product_ids": members}).json["product_id"]
    api.call("POST", f"/v1/products/{bundle}/publish", "alice")
    order_id = make_order(api, product_id=bundle, buyer="bob", status="pending", amount_cents=2000)
    Order(order_id).update(actions=[Order.bundle_product_ids.set(set(members))])
    assert _event("payment_intent.succeeded", {"id": f"pi_{order_id}", "metadata": {"order_id": order_id}}) == \
        "granted"
    for product_id in (bundle, *members):
        assert api.call("POST", f"/v1/products/{product_id}/reviews", "bob", {"rating": 5}).status_code == 201
    _event("charge.refunded", {"id": "ch_1", "payment_intent": f"pi_{order_id}", "amount_refunded": 2000,
                               "metadata": {}})
    for product_id in (bundle, *members):
        assert api.call("GET", f"/v1/products/{product_id}").json["rating_summary"]["count"] == 0
        assert api.call("GET", f"/v1/products/{product_id}/reviews").json["items"] == []
