"""Bundles: the rules of a bundle, its detail and card, checkout (free claim, already owned), fulfilment of every
member by the bundle's payment, and refunds and disputes that take back only what the bundle gave. Payments are
recorded as the webhook records them (`webhooks.handle` with Stripe-shaped events; signatures are tested in
test_webhooks)."""

from __future__ import annotations

import pytest

from tests.support.courses import grant
from tests.support.orders import make_order


def _bundle(api, members, **fields):
    body = {"product_type": "bundle", "title": "Everything", "pricing_type": "fixed", "price_cents": 2000,
            "description": "All of it", "bundle_product_ids": members, **fields}
    return api.call("POST", "/v1/products", "alice", body)


@pytest.fixture
def shop(api):
    api.creator("alice")
    members = [api.published("alice", title=f"Book {n}", price_cents=1500)["product_id"] for n in range(2)]
    members.append(api.published("alice", title="Course", product_type="course", price_cents=1000)["product_id"])
    bundle = _bundle(api, members).json
    assert api.call("POST", f"/v1/products/{bundle['product_id']}/publish", "alice").status_code == 200
    return {"bundle": bundle["product_id"], "members": members}


def _event(kind, obj):
    from chalicelib.services.commerce import webhooks
    from chalicelib.services.core.ids import new_id

    return webhooks.handle({"id": new_id("evt"), "type": kind, "data": {"object": obj}})


def _paid_order(api, product_id, buyer="bob", amount=2000):
    """A pending order as checkout leaves it (with the bundle's members), then its payment's webhook."""
    from chalicelib.models import Order, Product
    from chalicelib.services.core.ids import new_id

    product = Product.get(product_id)
    order_id = new_id("ord")
    Order(order_id, buyer_id=buyer, creator_id="alice", product_id=product_id, product_type=product.product_type,
          currency="USD", list_price_cents=amount, amount_cents=amount, payment_intent_id=f"pi_{order_id}",
          bundle_product_ids=set(product.bundle_product_ids or ()) or None).save()
    assert _event("payment_intent.succeeded", {"id": f"pi_{order_id}", "metadata": {"order_id": order_id},
                                               "amount": amount}) == "granted"
    return order_id


def _owns(api, user, product_id):
    return api.call("GET", f"/v1/products/{product_id}", user).json.get("has_access")


def test_a_bundle_holds_2_to_20_of_the_creators_own_published_products(api, shop):
    members = shop["members"]
    assert _bundle(api, members[:1]).status_code == 422
    assert _bundle(api, [members[0], members[0]]).status_code == 422
    draft = api.product("alice", title="Draft")["product_id"]
    api.creator("zoe")
    foreign = api.published("zoe", title="Zoe's")["product_id"]
    for wrong in (draft, foreign, shop["bundle"]):
        bundle = _bundle(api, [members[0], wrong]).json["product_id"]
        published = api.call("POST", f"/v1/products/{bundle}/publish", "alice")
        assert published.status_code == 422, wrong
        assert published.json["error"]["details"][0]["loc"] == ["body", "bundle_product_ids"]
    not_bundle = api.call("POST", "/v1/products", "alice", {"product_type": "ebook", "title": "E", "pricing_type":
                                                            "free", "bundle_product_ids": members[:2]})
    assert not_bundle.status_code == 422


def test_detail_and_explore_show_the_members_the_saving_and_the_count(api, shop):
    detail = api.call("GET", f"/v1/products/{shop['bundle']}").json
    assert [m["product_id"] for m in detail["bundle"]["members"]] == shop["members"]
    assert detail["bundle"]["members_price_cents"] == 4000 and detail["bundle"]["saving_cents"] == 2000
    cards = api.call("GET", "/v1/products?product_type=bundle").json["items"]
    assert [(c["product_id"], c["member_count"]) for c in cards] == [(shop["bundle"], 3)]


def test_a_member_of_a_published_bundle_cannot_be_archived_until_the_bundle_is(api, shop):
    member = shop["members"][0]
    refused = api.call("POST", f"/v1/products/{member}/archive", "alice")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "member_of_bundle"
    assert refused.json["error"]["details"] == [{"bundle_id": shop["bundle"], "title": "Everything"}]
    grant("bob", shop["bundle"])
    assert api.call("POST", f"/v1/products/{shop['bundle']}/archive", "alice").status_code == 200
    assert api.call("POST", f"/v1/products/{member}/archive", "alice").status_code == 200


def test_a_free_bundle_claims_every_member_at_once_and_the_library_lists_them(api, shop):
    free = _bundle(api, shop["members"][:2], pricing_type="free", price_cents=0).json["product_id"]
    api.call("POST", f"/v1/products/{free}/publish", "alice")
    claimed = api.call("POST", f"/v1/products/{free}/checkout", "bob", {})
    assert claimed.status_code == 201 and claimed.json["status"] == "granted"
    assert all(_owns(api, "bob", pid) for pid in shop["members"][:2]) and not _owns(api, "bob", shop["members"][2])
    library = {i["product"]["product_id"]: i["via_bundle"] for i in api.call("GET", "/v1/library", "bob").json["items"]}
    assert library == {free: None, shop["members"][0]: free, shop["members"][1]: free}
    again = api.call("POST", f"/v1/products/{free}/checkout", "bob", {})
    assert again.status_code == 409


def test_owning_every_member_is_already_owned_and_some_is_said_in_the_answer(api, shop, monkeypatch):
    for member in shop["members"]:
        grant("bob", member)
    refused = api.call("POST", f"/v1/products/{shop['bundle']}/checkout", "bob", {})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "already_owned"
    free = _bundle(api, shop["members"][:2], pricing_type="free", price_cents=0).json["product_id"]
    api.call("POST", f"/v1/products/{free}/publish", "alice")
    grant("carol", shop["members"][0])
    partly = api.call("POST", f"/v1/products/{free}/checkout", "carol", {})
    assert partly.status_code == 201 and partly.json["already_owned_product_ids"] == [shop["members"][0]]


def test_the_bundles_payment_grants_every_member_and_its_refund_takes_back_only_what_it_gave(api, shop):
    from chalicelib.models import Enrollment

    kept = shop["members"][0]
    make_order(api, product_id=kept, buyer="bob", grant=True)  # bought on its own before
    order_id = _paid_order(api, shop["bundle"])
    assert all(_owns(api, "bob", pid) for pid in [shop["bundle"], *shop["members"]])
    assert Enrollment.get("bob", shop["members"][2]).access_type == "purchased"  # the course member's enrollment
    assert _event("payment_intent.succeeded", {"id": f"pi_{order_id}", "metadata": {"order_id": order_id}}) == \
        "ignored"  # a duplicate success changes nothing
    assert _event("charge.refunded", {"id": "ch_1", "payment_intent": f"pi_{order_id}", "amount_refunded": 2000,
                                      "metadata": {}}) == "refunded"
    assert not _owns(api, "bob", shop["bundle"]) and _owns(api, "bob", kept)
    assert not any(_owns(api, "bob", pid) for pid in shop["members"][1:])


def test_a_dispute_suspends_the_bundles_grants_and_a_won_one_restores_them(api, shop):
    order_id = _paid_order(api, shop["bundle"])
    dispute = {"id": "dp_1", "payment_intent": f"pi_{order_id}"}
    assert _event("charge.dispute.created", {**dispute, "status": "needs_response"}) == "suspended"
    assert not any(_owns(api, "bob", pid) for pid in [shop["bundle"], *shop["members"]])
    assert _event("charge.dispute.closed", {**dispute, "status": "won"}) == "restored"
    assert all(_owns(api, "bob", pid) for pid in [shop["bundle"], *shop["members"]])


def test_a_coupon_can_target_a_bundle_and_a_full_discount_grants_every_member(api, shop):
    """Coupons target bundles like any product: a 100 % coupon pays the bundle's order at 0 and gives every member
    in the same transaction, without Stripe; the coupon is used once."""
    created = api.call("POST", "/v1/creator/coupons", "alice",
                       {"code": "KIT100", "kind": "percent", "discount_percent": 100, "product_id": shop["bundle"],
                        "max_redemptions": 1})
    assert created.status_code == 201, created.json
    assert api.call("POST", f"/v1/products/{shop['members'][0]}/checkout", "bob",
                    {"coupon_code": "KIT100"}).status_code in (404, 409, 422)  # not this coupon's product
    paid = api.call("POST", f"/v1/products/{shop['bundle']}/checkout", "bob", {"coupon_code": "kit100"})
    assert paid.status_code == 201 and paid.json["status"] == "granted", paid.json
    assert all(_owns(api, "bob", pid) for pid in [shop["bundle"], *shop["members"]])
    assert api.call("POST", f"/v1/products/{shop['bundle']}/checkout", "carol",
                    {"coupon_code": "KIT100"}).status_code in (409, 422)  # used up
