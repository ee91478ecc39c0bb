"""Creators get paid (issue 17) through the API and the webhook service: onboarding, the publish and checkout gates
in connect mode, destination charges, refunds with their reversal and fee, Connect events, the money view and the
statements. Stripe is a recording fake (localstripe has no Connect); the request shapes it would send are tested at
the stripe client's HTTP boundary in tests/unit/test_stripe_connect.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.models import OpenCheckout, Order
from chalicelib.models.payouts import PayoutAccount
from chalicelib.services.commerce import webhooks
from tests.support import localstripe as ls
from tests.support.payouts import (  # noqa: F401 - the fixtures
    account_updated,
    connect_mode_fixture,
    event,
    fake_stripe_fixture,
    onboarded,
)

P = "/v1/creator/payouts"


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def _paid(order_id: str) -> dict:
    intent_id = Order.get(order_id).payment_intent_id
    return event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent", "status": "succeeded",
                                              "metadata": {"order_id": order_id}, "latest_charge": "ch_1"})


def _buy(api, product_id: str, buyer: str = "bob") -> dict:
    response = api.call("POST", f"/v1/products/{product_id}/checkout", buyer, {})
    assert response.status_code == 201, response.json
    return response.json


# --- onboarding ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("connect_mode")
def test_onboarding_creates_the_account_once_and_a_fresh_link_each_time(api, fake_stripe):
    api.creator("alice")
    first = api.call("POST", f"{P}/onboarding", "alice")
    second = api.call("POST", f"{P}/onboarding", "alice")
    assert first.status_code == second.status_code == 200, (first.json, second.json)
    assert first.json["stripe_account_id"] == second.json["stripe_account_id"]
    assert first.json["url"] != second.json["url"]
    created = fake_stripe.named("create_connected_account")
    assert created == [{"metadata": {"creator_id": "alice"}, "idempotency_key": "payouts-account-alice"}]
    links = fake_stripe.named("create_account_link")
    assert len(links) == 2 and links[0]["account_id"] == first.json["stripe_account_id"]
    assert links[0]["return_url"].endswith("/creator/payouts?onboarding=return")
    assert links[0]["refresh_url"].endswith("/creator/payouts?onboarding=refresh")
    assert PayoutAccount.get("alice").stripe_account_id == first.json["stripe_account_id"]


@pytest.mark.usefixtures("connect_mode")
def test_onboarding_keeps_the_account_a_concurrent_call_stored_first(api, fake_stripe):
    from chalicelib.services.payouts import accounts

    api.creator("alice")
    PayoutAccount("alice").update(actions=[PayoutAccount.stripe_account_id.set("acct_first")])
    assert accounts._store_account("alice", "acct_second") == "acct_first"
    assert api.call("POST", f"{P}/onboarding", "alice").json["stripe_account_id"] == "acct_first"
    assert fake_stripe.named("create_connected_account") == []


def test_onboarding_is_for_creators_and_unavailable_when_the_platform_collects(api, fake_stripe):
    assert api.call("POST", f"{P}/onboarding", "bob").status_code == 403
    api.creator("alice")
    response = api.call("POST", f"{P}/onboarding", "alice")
    assert response.status_code == 409 and response.json["error"]["code"] == "onboarding_unavailable"
    assert fake_stripe.calls == []


# --- account.updated ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("connect_mode")
def test_account_updated_keeps_the_newest_state_whatever_the_order_of_arrival(api, fake_stripe):
    api.creator("alice")
    acct = api.call("POST", f"{P}/onboarding", "alice").json["stripe_account_id"]
    newer = account_updated(acct, charges=True, due=(), created=2_000)
    older = account_updated(acct, charges=False, payouts=False, submitted=False, due=("external_account",),
                            created=1_000)
    assert webhooks.handle(newer) == "account_updated"
    assert webhooks.handle(older) == "stale"
    assert webhooks.handle(newer) == "duplicate"
    state = api.call("GET", P, "alice").json["account"]
    assert state == {"stripe_account_id": acct, "is_details_submitted": True,
                     "is_charges_enabled": True, "is_payouts_enabled": True, "requirements_due": []}
    later = account_updated(acct, charges=False, due=("individual.verification.document",), created=3_000)
    assert webhooks.handle(later) == "account_updated"
    state = api.call("GET", P, "alice").json["account"]
    assert state["is_charges_enabled"] is False
    assert state["requirements_due"] == ["individual.verification.document"]
    assert webhooks.handle(account_updated("acct_nobody")) == "ignored"


@pytest.mark.usefixtures("connect_mode")
def test_connect_events_go_through_the_signed_webhook_route(api, fake_stripe):
    import json

    api.creator("alice")
    acct = api.call("POST", f"{P}/onboarding", "alice").json["stripe_account_id"]
    body = json.dumps(account_updated(acct)).encode()
    assert api.call("POST", "/v1/webhooks/stripe", body=body,
                    headers={"Stripe-Signature": ls.signature(body, "whsec_wrong")}).status_code == 400
    assert PayoutAccount.get("alice").is_charges_enabled is False
    assert api.call("POST", "/v1/webhooks/stripe", body=body,
                    headers={"Stripe-Signature": ls.signature(body)}).status_code == 200
    assert PayoutAccount.get("alice").is_charges_enabled is True


# --- publishing and checkout in connect mode -----------------------------------------------------------------------


@pytest.mark.usefixtures("connect_mode")
def test_paid_products_publish_only_once_the_account_accepts_charges(api, fake_stripe):
    api.creator("alice")
    paid = api.product("alice")["product_id"]
    refused = api.call("POST", f"/v1/products/{paid}/publish", "alice")
    assert refused.status_code == 409, refused.json
    assert refused.json["error"]["code"] == "payouts_not_ready"
    assert refused.json["error"]["details"] == [{"onboarding": "POST /v1/creator/payouts/onboarding"}]
    free = api.product("alice", pricing_type="free", price_cents=0)["product_id"]
    assert api.call("POST", f"/v1/products/{free}/publish", "alice").status_code == 200
    to_paid = api.call("PATCH", f"/v1/products/{free}", "alice", {"pricing_type": "fixed", "price_cents": 900})
    assert to_paid.status_code == 409 and to_paid.json["error"]["code"] == "payouts_not_ready"

    acct = api.call("POST", f"{P}/onboarding", "alice").json["stripe_account_id"]
    assert api.call("POST", f"/v1/products/{paid}/publish", "alice").status_code == 409  # not chargeable yet
    webhooks.handle(account_updated(acct, charges=True))
    assert api.call("POST", f"/v1/products/{paid}/publish", "alice").status_code == 200
    assert api.call("PATCH", f"/v1/products/{free}", "alice",
                    {"pricing_type": "fixed", "price_cents": 900}).status_code == 200


@pytest.mark.usefixtures("connect_mode")
def test_a_paid_checkout_is_a_destination_charge_with_the_fee_recorded(api, fake_stripe):
    acct = onboarded(api, "alice")
    product = api.published("alice", price_cents=1999)["product_id"]
    bought = _buy(api, product)
    [charge] = fake_stripe.named("create_payment_intent")
    assert charge["destination"] == acct and charge["application_fee_cents"] == 100  # 5 % of 1999 = 99.95 → 100
    assert charge["amount_cents"] == 1999 and charge["idempotency_key"] == f"order-{bought['order_id']}"
    order = Order.get(bought["order_id"])
    assert (order.platform_fee_cents, order.creator_share_cents, order.destination_account_id) == (100, 1899, acct)


def test_the_fee_is_the_creators_tiers(api, fake_stripe):
    from chalicelib.models import CreatorAccount

    api.creator("alice")
    CreatorAccount("alice").update(actions=[CreatorAccount.ai_allowance_tier.set("pro")])
    product = api.published("alice", price_cents=1999)["product_id"]
    order = Order.get(_buy(api, product)["order_id"])
    assert (order.platform_fee_cents, order.creator_share_cents, order.destination_account_id) == (60, 1939, None)


@pytest.mark.usefixtures("connect_mode")
def test_a_checkout_whose_creator_can_no_longer_accept_charges_writes_nothing(api, fake_stripe):
    acct = onboarded(api, "alice")
    product = api.published("alice")["product_id"]
    webhooks.handle(account_updated(acct, charges=False, due=("external_account",)))
    refused = api.call("POST", f"/v1/products/{product}/checkout", "bob", {})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "payouts_not_ready"
    assert list(Order.by_buyer.query("bob")) == []
    assert OpenCheckout.count(f"bob#{product}") == 0
    assert fake_stripe.named("create_payment_intent") == []
    free = api.published("alice", pricing_type="free", price_cents=0)["product_id"]
    assert api.call("POST", f"/v1/products/{free}/checkout", "bob", {}).json["status"] == "granted"


# --- refunds --------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("connect_mode")
def test_refunds_reverse_the_transfer_and_give_back_the_fee_in_proportion(api, fake_stripe):
    onboarded(api, "alice")
    product = api.published("alice", price_cents=1000)["product_id"]
    bought = _buy(api, product)
    order_id = bought["order_id"]
    assert webhooks.handle(_paid(order_id)) == "granted"  # fee 50

    for amount in (333, 333):  # partial refunds: 16.65 → 17 given back, then 33.3 → 33 (16 more)
        request = api.call("POST", f"/v1/orders/{order_id}/refund-requests", "bob",
                           {"reason": "changed my mind", "amount_cents": amount}).json
        approved = api.call("POST", f"/v1/creator/refund-requests/{request['request_id']}/approve", "alice", {})
        assert approved.status_code == 200, approved.json
    assert Order.get(order_id).refunded_fee_cents == 33
    request = api.call("POST", f"/v1/orders/{order_id}/refund-requests", "bob", {"reason": "the rest"}).json
    api.call("POST", f"/v1/creator/refund-requests/{request['request_id']}/approve", "alice", {})

    refunds = fake_stripe.named("create_refund")
    assert [r["amount_cents"] for r in refunds] == [333, 333, 334]
    assert all(r["reverse_transfer"] is True for r in refunds)
    order = Order.get(order_id)
    assert (order.status, order.refunded_cents, order.refunded_fee_cents) == ("refunded", 1000, 50)
    [usd] = api.call("GET", f"{P}/statement?month={_month()}", "alice").json["currencies"]
    assert usd == {"currency": "USD", "orders": 1, "gross_cents": 1000, "fees_cents": 50, "refunds_cents": 1000,
                   "refunded_fees_cents": 50, "dispute_losses_cents": 0, "net_cents": 0}


def test_platform_collects_refunds_are_ordinary_refunds(api, fake_stripe):
    api.creator("alice")
    product = api.published("alice", price_cents=1000)["product_id"]
    order_id = _buy(api, product)["order_id"]
    assert "destination" not in fake_stripe.named("create_payment_intent")[0]
    webhooks.handle(_paid(order_id))
    request = api.call("POST", f"/v1/orders/{order_id}/refund-requests", "bob",
                       {"reason": "changed my mind", "amount_cents": 400}).json
    api.call("POST", f"/v1/creator/refund-requests/{request['request_id']}/approve", "alice", {})
    assert "reverse_transfer" not in fake_stripe.named("create_refund")[0]
    assert Order.get(order_id).refunded_fee_cents == 20


# --- payouts and the money view --------------------------------------------------------------------------------------


def _payout(payout_id: str, created: int, amount: int = 5000, **extra) -> dict:
    return {"id": payout_id, "object": "payout", "amount": amount, "currency": "usd", "created": created,
            "arrival_date": created + 86_400, **extra}


@pytest.mark.usefixtures("connect_mode")
def test_payout_events_are_recorded_once_per_payout_and_listed_newest_first(api, fake_stripe):
    acct = onboarded(api, "alice")
    paid = event("payout.paid", _payout("po_1", 1_700_000_000), account=acct)
    assert webhooks.handle(paid) == "payout_paid"
    assert webhooks.handle(paid) == "duplicate"
    assert webhooks.handle(event("payout.paid", _payout("po_1", 1_700_000_000), account=acct)) == "duplicate_payout"
    assert webhooks.handle(event("payout.paid", _payout("po_2", 1_700_100_000, 700), account=acct)) == "payout_paid"
    failed = _payout("po_1", 1_700_000_000, failure_code="account_closed")
    assert webhooks.handle(event("payout.failed", failed, account=acct)) == "payout_failed"
    assert webhooks.handle(event("payout.paid", _payout("po_1", 1_700_000_000), account=acct)) == "duplicate_payout"
    assert webhooks.handle(event("payout.paid", _payout("po_9", 1), account="acct_stranger")) == "ignored"

    fake_stripe.balance = {"USD": (1234, 567), "EUR": (0, 80)}
    first = api.call("GET", f"{P}?limit=1", "alice")
    assert first.status_code == 200, first.json
    body = first.json
    assert body["mode"] == "connect" and body["is_held_by_platform"] is False
    assert body["balances"] == [{"currency": "EUR", "available_cents": 0, "pending_cents": 80},
                                {"currency": "USD", "available_cents": 1234, "pending_cents": 567}]
    assert fake_stripe.named("retrieve_balance") == [{"stripe_account": acct}]
    assert [(p["payout_id"], p["status"], p["amount_cents"]) for p in body["payouts"]] == [("po_2", "paid", 700)]
    rest = api.call("GET", f"{P}?limit=1&cursor={body['next_cursor']}", "alice").json["payouts"]
    assert [(p["payout_id"], p["status"], p["failure_code"]) for p in rest] == [("po_1", "failed", "account_closed")]


def test_platform_collects_money_view_and_statements(api, fake_stripe):
    api.creator("alice")
    product = api.published("alice", price_cents=1000)["product_id"]
    for buyer in ("bob", "carol"):
        order_id = _buy(api, product, buyer)["order_id"]
        assert webhooks.handle(_paid(order_id)) == "granted"
    intent = Order.get(order_id).payment_intent_id
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": intent, "status": "needs_response",
               "metadata": {"order_id": order_id}}
    webhooks.handle(event("charge.dispute.created", dispute))
    body = api.call("GET", P, "alice").json
    assert body["mode"] == "platform_collects" and body["is_held_by_platform"] is True
    assert body["account"] is None and body["payouts"] == []
    assert body["balances"] == [{"currency": "USD", "available_cents": 950, "pending_cents": 0}]
    webhooks.handle(event("charge.dispute.closed", {**dispute, "status": "won"}))
    assert api.call("GET", P, "alice").json["balances"][0]["available_cents"] == 1900
    assert fake_stripe.named("retrieve_balance") == []

    month = _month()
    statement = api.call("GET", f"{P}/statement?month={month}", "alice").json
    assert statement == {"month": month, "currencies": [
        {"currency": "USD", "orders": 2, "gross_cents": 2000, "fees_cents": 100, "refunds_cents": 0,
         "refunded_fees_cents": 0, "dispute_losses_cents": 0, "net_cents": 1900}]}
    exported = api._client.http.get(f"{P}/statement.csv?month={month}",  # not JSON: chalice's client itself
                                    headers={"Authorization": f"Bearer {api.token('alice')}"})
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert exported.body.decode().splitlines() == [
        "month,currency,orders,gross_cents,fees_cents,refunds_cents,refunded_fees_cents,dispute_losses_cents,net_cents",
        f"{month},USD,2,2000,100,0,0,0,1900"]
    assert api.call("GET", f"{P}/statement?month=1999-01", "alice").json["currencies"] == []
    assert api.call("GET", f"{P}/statement?month=2026-13", "alice").status_code == 422
    assert api.call("GET", f"{P}/statement?month={month}", "bob").status_code == 403
    api.creator("carol")  # another creator sees only their own money
    assert api.call("GET", f"{P}/statement?month={month}", "carol").json["currencies"] == []
    assert api.call("GET", P, "carol").json["balances"] == []
    assert api.call("GET", P).status_code == 401
