"""The Stripe webhook trusts nothing it cannot verify: tampered body, stale timestamp, missing header, wrong
secret, garbage → 400 in the error envelope, and nothing is written (no event marker, order, grant or mail)."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("stripe_gateway")


@pytest.fixture
def pending(api, localstripe):  # noqa: F811
    api.creator("alice")
    product = api.published("alice", title="Paid book", price_cents=1500)
    order = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {}).json
    intent = ls.pay_with_test_card(localstripe, order["client_secret"].split("_secret_")[0])
    return {"product_id": product["product_id"], "order_id": order["order_id"],
            "body": ls.event("payment_intent.succeeded", intent, "evt_attack")}


def _tampered(body: bytes) -> tuple[bytes, str]:
    header = ls.signature(body)
    event = json.loads(body)
    event["data"]["object"]["amount"] = 1
    return json.dumps(event).encode(), header


def _bad_signature(body: bytes) -> tuple[bytes, str]:
    t, _ = ls.signature(body).split(",")
    return body, f"{t},v1={'0' * 64}"


ATTACKS = {
    "tampered body": _tampered,
    "timestamp older than 300 s": lambda body: (body, ls.signature(body, timestamp=int(time.time()) - 301)),
    "missing header": lambda body: (body, None),
    "empty header": lambda body: (body, ""),
    "wrong secret": lambda body: (body, ls.signature(body, secret="whsec_someone_else")),
    "bad signature": _bad_signature,
    "no v1 scheme": lambda body: (body, ls.signature(body).replace("v1=", "v0=")),
    "not JSON, signed": lambda body: (b"not json", ls.signature(b"not json")),
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_unverifiable_webhooks_answer_400_and_write_nothing(api, pending, attack):
    from chalicelib.models import AccessGrant, Order, ProcessedEvent

    before = len(ls.sent_mail())
    body, header = ATTACKS[attack](pending["body"])
    headers = {} if header is None else {"Stripe-Signature": header}
    response = api.call("POST", "/v1/webhooks/stripe", body=body, headers=headers)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "invalid_webhook"
    assert list(ProcessedEvent.scan()) == []  # test-only scan
    assert Order.get(pending["order_id"]).status == "pending"
    assert AccessGrant.count("bob") == 0
    assert len(ls.sent_mail()) == before


def test_the_genuine_event_is_accepted_after_the_attacks(api, pending):
    response = api.call("POST", "/v1/webhooks/stripe", body=pending["body"],
                        headers={"Stripe-Signature": ls.signature(pending["body"])})
    assert response.status_code == 200 and response.json["outcome"] == "granted"


def test_no_access_from_a_client_redirect_or_an_unsigned_call(api, pending):
    """Checkout and the order endpoints never grant a paid product; only a verified webhook does."""
    assert api.call("GET", f"/v1/orders/{pending['order_id']}", "bob").json["status"] == "pending"
    assert api.call("POST", f"/v1/products/{pending['product_id']}/enroll", "bob").status_code == 402
    unsigned = api.call("POST", "/v1/webhooks/stripe", "bob", body=pending["body"])  # a user token is no signature
    assert unsigned.status_code == 400
    assert api.call("GET", "/v1/library", "bob").json["items"] == []
