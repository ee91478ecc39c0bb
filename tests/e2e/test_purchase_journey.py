"""The purchase journey over real HTTP in the local runtime: the demo buyer pays with a test card.

checkout (API) → the PaymentIntent is confirmed with `pm_card_visa` on localstripe (what Stripe.js does in
the SPA) → localstripe POSTs the signed `payment_intent.succeeded` to the API → the product is in the library.
"""

from __future__ import annotations

import json
import time

import requests


def test_demo_buyer_pays_with_a_test_card_and_finds_the_product_in_the_library(stack):
    runtime = json.loads((stack.state_dir / "runtime.json").read_text())
    stripe_url = runtime["stripe_url"]
    assert stripe_url.startswith("http://127.0.0.1:")

    explore = stack.call("GET", "/v1/products", params={"product_type": "prompt_pack"}).json()["items"]
    product_id = next(item["product_id"] for item in explore if item["slug"] == "120-prompts-for-product-marketers")
    library = stack.call("GET", "/v1/library", "demo-buyer").json()["items"]
    assert product_id not in [item["product"]["product_id"] for item in library]

    checkout = stack.call("POST", f"/v1/products/{product_id}/checkout", "demo-buyer", body={})
    assert checkout.status_code == 201, checkout.text
    order = checkout.json()
    assert order["status"] == "payment_required" and order["amount_cents"] == 1900
    intent_id = order["client_secret"].split("_secret_")[0]

    auth = ("sk_test_localstripe", "")
    set_card = requests.post(f"{stripe_url}/v1/payment_intents/{intent_id}", auth=auth,
                             data={"payment_method": "pm_card_visa"}, timeout=10)
    assert set_card.status_code == 200, set_card.text
    confirmed = requests.post(f"{stripe_url}/v1/payment_intents/{intent_id}/confirm", auth=auth, timeout=10)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "succeeded", confirmed.text

    deadline = time.monotonic() + 20  # localstripe delivers webhooks after ~1 s
    status = None
    while time.monotonic() < deadline:
        status = stack.call("GET", f"/v1/orders/{order['order_id']}", "demo-buyer").json()["status"]
        if status == "paid":
            break
        time.sleep(0.3)
    assert status == "paid", stack.log()
    library = stack.call("GET", "/v1/library", "demo-buyer").json()["items"]
    assert product_id in [item["product"]["product_id"] for item in library]
    again = stack.call("POST", f"/v1/products/{product_id}/checkout", "demo-buyer", body={})
    assert again.status_code == 409


def test_ten_concurrent_deliveries_of_one_payment_grant_once(stack):
    """Against `make run` (moto server with local/moto_fixes.py): ten simultaneous deliveries of the same signed
    `payment_intent.succeeded` → exactly one `granted`, the rest `duplicate`, one paid order, access once."""
    from concurrent.futures import ThreadPoolExecutor

    from local.stripe_server import WEBHOOK_SECRET
    from tests.support.localstripe import event, intent, signature

    buyer = "e2e-concurrent-buyer"
    explore = stack.call("GET", "/v1/products", params={"product_type": "ebook"}).json()["items"]
    paid = [item for item in explore if item["price_cents"] > 0 and item["pricing_type"] == "fixed"]
    product = paid[0] if paid else stack.call("GET", "/v1/products", params={"pricing": "paid"}).json()["items"][0]
    order = stack.call("POST", f"/v1/products/{product['product_id']}/checkout", buyer, body={}).json()
    intent_id = order["client_secret"].split("_secret_")[0]
    body = event("payment_intent.succeeded", intent(order, intent_id))
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature(body, WEBHOOK_SECRET)}

    def deliver(_: int) -> str:
        response = requests.post(f"{stack.base_url}/v1/webhooks/stripe", data=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["outcome"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(deliver, range(10)))
    assert sorted(outcomes) == ["duplicate"] * 9 + ["granted"], outcomes
    assert stack.call("GET", f"/v1/orders/{order['order_id']}", buyer).json()["status"] == "paid"
    owned = [item["product"]["product_id"] for item in stack.call("GET", "/v1/library", buyer).json()["items"]]
    assert owned.count(product["product_id"]) == 1
