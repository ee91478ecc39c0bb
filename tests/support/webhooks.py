"""Buying over HTTP with a real localstripe payment, and delivering Stripe-signed events to the webhook route:
shared by the webhook tests and the order-sequence regressions."""

from __future__ import annotations

from typing import Any

from tests.support import localstripe as ls


def deliver(api, body: bytes, header: str | None = None):
    headers = {"Stripe-Signature": header if header is not None else ls.signature(body)}
    return api.call("POST", "/v1/webhooks/stripe", body=body, headers=headers)


def buy(api, server, product_id: str, buyer: str = "bob") -> dict[str, Any]:
    """`buyer` checks out `product_id` and pays with a test card on localstripe; nothing delivered yet."""
    order = api.call("POST", f"/v1/products/{product_id}/checkout", buyer, {}).json
    intent = ls.pay_with_test_card(server, order["client_secret"].split("_secret_")[0])
    assert intent["status"] == "succeeded"
    return {"order": order, "intent": intent}


def owns(api, product_id: str, user: str = "bob") -> bool:
    items = api.call("GET", "/v1/library", user).json["items"]
    return any(item["product"]["product_id"] == product_id and item["access_type"] != "preview" for item in items)


def succeeded(bought: dict[str, Any], event_id: str | None = None) -> bytes:
    return ls.event("payment_intent.succeeded", bought["intent"], event_id)


def order_status(api, bought: dict[str, Any], user: str = "bob") -> dict[str, Any]:
    return api.call("GET", f"/v1/orders/{bought['order']['order_id']}", user).json
