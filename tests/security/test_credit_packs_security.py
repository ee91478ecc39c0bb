"""Credit packs trust only verified Stripe events about the purchase's own PaymentIntent, and show a user only
their own purchases and ledger."""

from __future__ import annotations

import json

import pytest

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("stripe_gateway")


def balance(user: str) -> int:
    from chalicelib.models import User

    return int(User.get(user, consistent_read=True).ai_credit_balance or 0)


def checkout(api, user: str) -> dict:
    response = api.call("POST", "/v1/ai/credit-packs/small/checkout", user)
    assert response.status_code == 201, response.json
    return response.json


def test_a_tampered_success_event_credits_nothing(api, localstripe):  # noqa: F811
    from chalicelib.models import ProcessedEvent

    purchase = checkout(api, "alice")
    intent = ls.pay_with_test_card(localstripe, purchase["client_secret"].split("_secret_")[0])
    body = ls.event("payment_intent.succeeded", intent, "evt_tampered_pack")
    header = ls.signature(body)
    event = json.loads(body)
    event["data"]["object"]["metadata"]["tokens"] = "999999999"
    response = api.call("POST", "/v1/webhooks/stripe", body=json.dumps(event).encode(),
                        headers={"Stripe-Signature": header})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_webhook"
    assert balance("alice") == 0
    assert list(ProcessedEvent.query("evt_tampered_pack")) == []


def test_an_event_about_another_intent_cannot_fulfil_someone_elses_purchase(api, localstripe):  # noqa: F811
    """mallory pays her own intent, then an event claims it was alice's purchase: the purchase names its intent."""
    alice = checkout(api, "alice")
    mallory = checkout(api, "mallory")
    intent = ls.pay_with_test_card(localstripe, mallory["client_secret"].split("_secret_")[0])
    intent["metadata"] = {**intent["metadata"], "purchase_id": alice["purchase_id"], "user_id": "alice"}
    body = ls.event("payment_intent.succeeded", intent)
    response = api.call("POST", "/v1/webhooks/stripe", body=body, headers={"Stripe-Signature": ls.signature(body)})
    assert response.json["outcome"] == "ignored"
    assert balance("alice") == balance("mallory") == 0
    assert api.call("GET", f"/v1/ai/credit-purchases/{alice['purchase_id']}", "alice").json["status"] == "pending"


def test_another_users_purchase_is_not_found(api):
    purchase = checkout(api, "alice")
    other = api.call("GET", f"/v1/ai/credit-purchases/{purchase['purchase_id']}", "mallory")
    missing = api.call("GET", "/v1/ai/credit-purchases/cp_does_not_exist", "mallory")
    assert other.status_code == missing.status_code == 404
    assert other.json == missing.json


def test_a_ledger_cursor_only_pages_its_own_ledger(api):
    from chalicelib.services.ai import metering

    for user in ("alice", "mallory"):
        api.creator(user)
        for n in range(3):
            metering.metered(user, feature="outline", request_id=f"{user}-{n}", max_tokens=10, model="offline",
                             run=lambda: ({}, 1))
    cursor = api.call("GET", "/v1/creator/ai/usage?limit=1", "alice").json["next_cursor"]
    assert cursor
    stolen = api.call("GET", f"/v1/creator/ai/usage?limit=1&cursor={cursor}", "mallory")
    assert stolen.status_code == 400
    forged = api.call("GET", f"/v1/creator/ai/usage?limit=1&cursor={cursor[:-2]}xx", "alice")
    assert forged.status_code == 400
    assert api.call("GET", f"/v1/creator/ai/usage?limit=1&cursor={cursor}", "alice").status_code == 200


def test_a_malformed_idempotency_key_is_refused(api):
    response = api.call("POST", "/v1/ai/credit-packs/small/checkout", "alice", headers={"Idempotency-Key": "a b"})
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
