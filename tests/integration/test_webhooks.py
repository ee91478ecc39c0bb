"""Stripe webhooks → orders, access, enrollment, email: exactly once, in any order.

Payments are real PaymentIntents confirmed with a test card on localstripe; their events are delivered
signed with the test secret (localstripe's own sender needs an HTTP URL: the e2e journey uses it).
Refunds and disputes, which localstripe does not emit, are self-signed events of Stripe's shape.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import localstripe as ls
from tests.support import mail as sent_mail
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.webhooks import buy, deliver, order_status, owns, succeeded

pytestmark = pytest.mark.usefixtures("stripe_gateway")


@pytest.fixture
def bought(api, localstripe):  # noqa: F811
    """bob checked out alice's course (2500) and paid with a test card on localstripe; nothing delivered yet."""
    api.creator("alice")
    product = api.published("alice", title="Paid course", product_type="course", price_cents=2500)
    return {"product": product, **buy(api, localstripe, product["product_id"])}


def test_success_grants_enrolls_and_emails_once(api, bought):
    from chalicelib.models import Enrollment

    before = len(ls.sent_mail())
    body = succeeded(bought, "evt_success_1")
    first = deliver(api, body)
    assert first.status_code == 200 and first.json == {"is_received": True, "outcome": "granted"}
    for _ in range(4):
        assert deliver(api, body).json["outcome"] == "duplicate"
    product_id = bought["product"]["product_id"]
    assert owns(api, product_id)
    assert Enrollment.get("bob", product_id).access_type == "purchased"
    order = order_status(api, bought)
    assert order["status"] == "paid" and order["paid_at"] and order["amount_cents"] == 2500
    mails = sent_mail.sent("bob@example.com", before)
    assert len(mails) == 1
    assert f"http://localhost:5173/library/{product_id}" in sent_mail.text(mails[0])


def test_the_same_payment_under_another_event_id_changes_nothing(api, bought):
    assert deliver(api, succeeded(bought)).json["outcome"] == "granted"
    before = len(ls.sent_mail())
    assert deliver(api, succeeded(bought)).json["outcome"] == "ignored"
    assert len(ls.sent_mail()) == before


def test_failed_payment_gives_no_access(api, bought):
    failed = dict(bought["intent"], status="requires_payment_method",
                  last_payment_error={"code": "card_declined", "decline_code": "generic_decline"})
    assert deliver(api, ls.event("payment_intent.payment_failed", failed)).json["outcome"] == "failed"
    order = order_status(api, bought)
    assert order["status"] == "failed" and order["failure_reason"] == "card_declined"
    assert not owns(api, bought["product"]["product_id"])


def test_refund_before_success_leaves_no_access(api, bought):
    intent_id = bought["intent"]["id"]
    refund = ls.event("charge.refunded", ls.charge(intent_id, 2500, 2500))
    assert deliver(api, refund).json["outcome"] == "refund_recorded"
    before = len(ls.sent_mail())
    assert deliver(api, succeeded(bought)).json["outcome"] == "recorded_after_refund"
    assert not owns(api, bought["product"]["product_id"])
    order = order_status(api, bought)
    assert order["status"] == "refunded" and order["refunded_cents"] == 2500 and order["paid_at"]
    assert len(ls.sent_mail()) == before


def test_full_refund_revokes_access_but_keeps_the_enrollment(api, bought):
    from chalicelib.models import AccessGrant, Enrollment

    deliver(api, succeeded(bought))
    product_id, intent_id = bought["product"]["product_id"], bought["intent"]["id"]
    partial = deliver(api, ls.event("charge.refunded", ls.charge(intent_id, 2500, 1000)))
    assert partial.json["outcome"] == "partially_refunded" and owns(api, product_id)
    assert order_status(api, bought)["status"] == "partially_refunded"
    full = deliver(api, ls.event("charge.refunded", ls.charge(intent_id, 2500, 2500)))
    assert full.json["outcome"] == "refunded"
    assert not owns(api, product_id)
    assert AccessGrant.get("bob", product_id).status == "revoked"
    assert Enrollment.get("bob", product_id).access_type == "purchased"  # progress records are kept
    order = order_status(api, bought)
    assert (order["status"], order["refunded_cents"]) == ("refunded", 2500)
    late = deliver(api, ls.event("charge.refunded", ls.charge(intent_id, 2500, 1000)))
    assert late.json["outcome"] == "ignored" and order_status(api, bought)["refunded_cents"] == 2500


@pytest.mark.parametrize(("closing", "access_after", "status_after"), [("won", True, "paid"),
                                                                         ("lost", False, "dispute_lost")])
def test_disputes_suspend_then_restore_or_revoke(api, bought, closing, access_after, status_after):
    from chalicelib.models import AccessGrant

    deliver(api, succeeded(bought))
    product_id, intent_id = bought["product"]["product_id"], bought["intent"]["id"]
    created = deliver(api, ls.event("charge.dispute.created", ls.dispute(intent_id, "needs_response")))
    assert created.json["outcome"] == "suspended"
    assert not owns(api, product_id) and AccessGrant.get("bob", product_id).status == "suspended"
    assert order_status(api, bought)["status"] == "disputed"
    closed = deliver(api, ls.event("charge.dispute.closed", ls.dispute(intent_id, closing)))
    assert closed.status_code == 200
    assert owns(api, product_id) is access_after
    assert order_status(api, bought)["status"] == status_after


def test_unknown_events_and_unknown_intents_are_acknowledged(api, bought):
    assert deliver(api, ls.event("customer.created", {"id": "cus_1"})).json["outcome"] == "ignored"
    stranger = {"id": "pi_unknown", "object": "payment_intent", "metadata": {}}
    assert deliver(api, ls.event("payment_intent.succeeded", stranger)).json["outcome"] == "ignored"


def test_stale_pending_orders_are_cancelled_at_stripe_and_abandoned(api, localstripe):  # noqa: F811
    import stripe

    from chalicelib.models import Order
    from chalicelib.models.base import utcnow
    from chalicelib.services.commerce.abandonment import sweep

    api.creator("alice")
    product = api.published("alice", title="Never paid", price_cents=2500)
    order = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {}).json
    intent_id = order["client_secret"].split("_secret_")[0]
    assert sweep() == []  # not old enough
    assert sweep(now=utcnow() + timedelta(hours=2)) == [order["order_id"]]
    stored = Order.get(order["order_id"])
    assert stored.status == "abandoned" and stored.pending_shard is None
    assert stripe.PaymentIntent.retrieve(intent_id, api_key=localstripe.api_key).status == "canceled"
    assert sweep(now=utcnow() + timedelta(hours=2)) == []
    with pytest.raises(stripe.InvalidRequestError):  # the buyer can no longer pay what we gave up on
        ls.pay_with_test_card(localstripe, intent_id)


def test_a_paid_order_whose_webhook_is_late_is_not_abandoned(api, bought):
    from chalicelib.models import Order
    from chalicelib.models.base import utcnow
    from chalicelib.services.commerce.abandonment import sweep

    order_id = bought["order"]["order_id"]
    assert sweep(now=utcnow() + timedelta(hours=2)) == []  # Stripe refuses to cancel a succeeded intent
    assert Order.get(order_id).status == "pending"
    assert deliver(api, succeeded(bought)).json["outcome"] == "granted"


def test_a_success_event_after_the_sweep_is_still_fulfilled(api, bought, monkeypatch):
    """A race the cancel cannot close (the intent succeeded between the cancel and the sweep's write, or an
    out-of-band capture): the money was taken, so the late success still grants access."""
    from chalicelib.models.base import utcnow
    from chalicelib.services.commerce import abandonment

    monkeypatch.setattr(abandonment, "_cancel_payment", lambda order: True)
    assert abandonment.sweep(now=utcnow() + timedelta(hours=2)) == [bought["order"]["order_id"]]
    assert deliver(api, succeeded(bought)).json["outcome"] == "granted"


def test_ten_deliveries_five_at_once_grant_and_email_once(moto_server, localstripe, monkeypatch):  # noqa: F811
    """Against moto in server mode (the in-process mock is not thread-safe): the same verified success event
    delivered 10 times, 5 of them concurrently, gives one grant, one enrollment and one email."""

    from chalicelib.integrations import mail, payments
    from chalicelib.models import AccessGrant, Enrollment, Order, ProcessedEvent
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products
    from chalicelib.services.commerce import checkout
    from chalicelib.services.courses import lessons, modules

    gateway = payments.StripeGateway(localstripe.api_key, ls.SECRET, localstripe.url)
    monkeypatch.setattr(payments, "gateway", lambda: gateway)
    mail.mailer.cache_clear()
    try:
        users.open_creator_account("alice", "alice@example.com", "Alice", None)
        product = products.create_product("alice", {"product_type": "course", "title": "Busy", "description": "d",
                                                   "pricing_type": "fixed", "price_cents": 1000})
        module = modules.add_module("alice", product.product_id, {"title": "All"})
        # publishing a course needs a lesson
        lessons.add_lesson("alice", product.product_id, module.module_id, {"title": "One", "content_type": "text"})
        products.publish_product("alice", product.product_id)
        order = checkout.checkout("bob", "bob@example.com", product.product_id, None, None)
        intent = ls.pay_with_test_card(localstripe, order["client_secret"].split("_secret_")[0])
        body = ls.event("payment_intent.succeeded", intent, "evt_burst")
        before = len(ls.sent_mail())
        outcomes = ls.deliver_burst(gateway, body)
        assert sorted(outcomes) == ["duplicate"] * 9 + ["granted"]
        assert [g.product_id for g in AccessGrant.query("bob")] == [product.product_id]
        assert Enrollment.get("bob", product.product_id).access_type == "purchased"
        assert Order.get(order["order_id"]).status == "paid"
        assert ProcessedEvent.get("evt_burst").event_type == "payment_intent.succeeded"
        assert len(sent_mail.sent("bob@example.com", before)) == 1
    finally:
        mail.mailer.cache_clear()


# --- coupons (services/coupons.py: reserve at checkout, confirm on success, release on failure) ------------


def _coupon(code: str, **fields):
    from chalicelib.services.commerce import coupons

    return coupons.create_coupon("alice", {"code": code, "kind": "percent", "discount_percent": 20,
                                           "max_redemptions": 1, **fields})


def _redeemed(code: str) -> int:
    from chalicelib.models.coupons import Coupon

    return int(Coupon.get("alice", code).redeemed)


def test_failed_payment_releases_the_coupon(api, localstripe):  # noqa: F811
    api.creator("alice")
    product = api.published("alice", title="Discounted", price_cents=2000)
    _coupon("SAVE20", product_id=product["product_id"])
    order = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {"coupon_code": "save20"})
    assert order.status_code == 201 and order.json["amount_cents"] == 1600, order.json
    assert _redeemed("SAVE20") == 1
    stored = api.call("GET", f"/v1/orders/{order.json['order_id']}", "bob").json
    assert (stored["list_price_cents"], stored["discount_cents"], stored["coupon_code"]) == (2000, 400, "SAVE20")
    assert api.call("POST", f"/v1/products/{product['product_id']}/checkout", "carol",
                    {"coupon_code": "SAVE20"}).status_code in (409, 422)  # exhausted while reserved
    intent = {"id": order.json["client_secret"].split("_secret_")[0], "object": "payment_intent",
              "metadata": {"order_id": order.json["order_id"]}, "last_payment_error": {"code": "card_declined"}}
    assert deliver(api, ls.event("payment_intent.payment_failed", intent)).json["outcome"] == "failed"
    assert _redeemed("SAVE20") == 0
    assert not owns(api, product["product_id"])
    again = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "carol", {"coupon_code": "SAVE20"})
    assert again.status_code == 201  # released: usable again


def test_a_full_discount_is_paid_without_stripe(api):
    api.creator("alice")
    product = api.published("alice", title="Gifted course", product_type="course", price_cents=2000)
    _coupon("FREEBIE", discount_percent=100, product_id=product["product_id"])
    response = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {"coupon_code": "FREEBIE"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "granted" and response.json.get("client_secret") is None
    assert owns(api, product["product_id"])
    order = api.call("GET", f"/v1/orders/{response.json['order_id']}", "bob").json
    assert (order["status"], order["amount_cents"], order["discount_cents"]) == ("paid", 0, 2000)
    assert _redeemed("FREEBIE") == 1


def test_abandoned_orders_release_their_coupon(api, localstripe):  # noqa: F811
    from chalicelib.models.base import utcnow
    from chalicelib.services.commerce.abandonment import sweep

    api.creator("alice")
    product = api.published("alice", title="Later", price_cents=2000)
    _coupon("LATER")
    order = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {"coupon_code": "LATER"}).json
    assert _redeemed("LATER") == 1
    assert sweep(now=utcnow() + timedelta(hours=2)) == [order["order_id"]]
    assert _redeemed("LATER") == 0


def test_a_failed_confirmation_email_is_sent_on_stripes_redelivery(api, bought):
    """The email is an outbox on the order: if sending fails after the commit, the delivery fails (Stripe retries),
    and the redelivered (duplicate) event sends it — once."""
    from chalicelib.integrations import mail

    def down(**kwargs):
        raise RuntimeError("SES unavailable")

    mailer = mail.mailer()
    before = len(ls.sent_mail())
    body = succeeded(bought, "evt_mail_down")
    mailer.send_alternatives = down  # an instance attribute shadowing the real method, removed below
    try:
        assert deliver(api, body).status_code == 500
    finally:
        del mailer.send_alternatives
    assert owns(api, bought["product"]["product_id"])  # the purchase itself is committed
    assert len(ls.sent_mail()) == before
    assert deliver(api, body).json["outcome"] == "duplicate"
    assert deliver(api, body).json["outcome"] == "duplicate"
    assert len(sent_mail.sent("bob@example.com", before)) == 1
