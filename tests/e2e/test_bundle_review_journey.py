"""The bundle and review journey over real HTTP in the local runtime (issue 15).

A new creator publishes two products and a bundle of both; a buyer pays the bundle with a test card on localstripe,
whose signed `payment_intent.succeeded` reaches the API; every member is in the library `via_bundle`; the buyer
reviews a member, the creator replies, the product's rating figures and the explore card follow; a stranger cannot
review.
"""

from __future__ import annotations

import json
import time
import uuid

import requests


def _published(stack, creator: str, **fields) -> dict:
    body = {"product_type": "ebook", "title": "E2E book", "description": "Read me", "pricing_type": "fixed",
            "price_cents": 1200, **fields}
    created = stack.call("POST", "/v1/products", creator, body=body)
    assert created.status_code == 201, created.text
    published = stack.call("POST", f"/v1/products/{created.json()['product_id']}/publish", creator)
    assert published.status_code == 200, published.text
    return published.json()


def _pay(stack, buyer: str, product_id: str) -> dict:
    stripe_url = json.loads((stack.state_dir / "runtime.json").read_text())["stripe_url"]
    order = stack.call("POST", f"/v1/products/{product_id}/checkout", buyer, body={})
    assert order.status_code == 201, order.text
    intent_id = order.json()["client_secret"].split("_secret_")[0]
    auth = ("sk_test_localstripe", "")
    assert requests.post(f"{stripe_url}/v1/payment_intents/{intent_id}", auth=auth,
                         data={"payment_method": "pm_card_visa"}, timeout=10).status_code == 200
    assert requests.post(f"{stripe_url}/v1/payment_intents/{intent_id}/confirm", auth=auth,
                         timeout=10).json()["status"] == "succeeded"
    deadline, status = time.monotonic() + 20, None  # localstripe delivers its webhook after ~1 s
    while time.monotonic() < deadline and status != "paid":
        status = stack.call("GET", f"/v1/orders/{order.json()['order_id']}", buyer).json()["status"]
        time.sleep(0.3)
    assert status == "paid", stack.log()
    return order.json()


def test_a_bundle_is_bought_once_and_its_members_reviewed(stack):
    creator, buyer = f"e2e-creator-{uuid.uuid4().hex[:6]}", f"e2e-buyer-{uuid.uuid4().hex[:6]}"
    assert stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Eve"}).status_code == 201
    book = _published(stack, creator, title="Pricing anchors")
    pack = _published(stack, creator, title="Launch prompts", product_type="prompt_pack", prompt_count=40,
                      price_cents=1800)
    bundle = _published(stack, creator, title="Launch kit", product_type="bundle", price_cents=2400,
                        bundle_product_ids=[book["product_id"], pack["product_id"]])
    detail = stack.call("GET", f"/v1/products/{bundle['product_id']}").json()
    assert (detail["bundle"]["members_price_cents"], detail["bundle"]["saving_cents"]) == (3000, 600)

    _pay(stack, buyer, bundle["product_id"])
    library = stack.call("GET", "/v1/library", buyer).json()["items"]
    held = {item["product"]["product_id"]: item.get("via_bundle") for item in library}
    assert held == {bundle["product_id"]: None, book["product_id"]: bundle["product_id"],
                    pack["product_id"]: bundle["product_id"]}
    assert stack.call("POST", f"/v1/products/{book['product_id']}/checkout", buyer, body={}).status_code == 409

    path = f"/v1/products/{book['product_id']}/reviews"
    review = stack.call("POST", path, buyer, body={"rating": 4, "text": "Short and useful."})
    assert review.status_code == 201, review.text
    assert stack.call("POST", path, buyer, body={"rating": 5}).status_code == 409  # one review per buyer
    assert stack.call("POST", path, "e2e-stranger", body={"rating": 1}).status_code == 403
    reply = stack.call("PUT", f"{path}/{review.json()['review_id']}/reply", creator, body={"text": "Thank you!"})
    assert reply.status_code == 200, reply.text

    page = stack.call("GET", path).json()["items"]
    assert [(item["rating"], item["text"], item["reply"]["text"]) for item in page] == [
        (4, "Short and useful.", "Thank you!")]
    assert page[0]["reviewer_name"] and "@" not in page[0]["reviewer_name"]  # a display name, never an email
    summary = stack.call("GET", f"/v1/products/{book['product_id']}").json()["rating_summary"]
    assert (summary["count"], summary["average_rating_hundredths"]) == (1, 400)
    cards = stack.call("GET", "/v1/products", params={"creator": creator}).json()["items"]
    assert {card["product_id"]: card["rating_summary"]["count"] for card in cards}[book["product_id"]] == 1
    assert {card["product_id"]: card.get("member_count") for card in cards}[bundle["product_id"]] == 2
