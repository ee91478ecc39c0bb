"""localstripe for tests (one server per session, on a free 127.0.0.1 port) and Stripe-signed events.

`stripe_gateway` points the app's payment gateway at it; `signed(...)` builds webhook requests signed the
way Stripe signs them (`t=<unix>,v1=HMAC-SHA256(secret, f"{t}.{body}")`) for events localstripe cannot
produce (refunds, disputes, failures) or to tamper with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from local import stripe_server

SECRET = "whsec_test_secret"


@pytest.fixture(scope="session")
def localstripe():
    server = stripe_server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stripe_gateway(localstripe, monkeypatch):
    """The app's gateway talks to localstripe with the test secret; the mailer is rebuilt for this test's AWS."""
    from chalicelib.integrations import mail, payments

    gateway = payments.StripeGateway(localstripe.api_key, SECRET, localstripe.url)
    monkeypatch.setattr(payments, "gateway", lambda: gateway)
    mail.mailer.cache_clear()
    yield gateway
    mail.mailer.cache_clear()


def signature(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    event_id = event_id or f"evt_{hashlib.sha256(json.dumps([event_type, obj, time.time()]).encode()).hexdigest()[:24]}"
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
                       "data": {"object": obj}}).encode()


def intent(order: dict[str, Any], intent_id: str, status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    return {"id": intent_id, "object": "payment_intent", "amount": order["amount_cents"], "status": status,
            "metadata": {"order_id": order["order_id"]}, "latest_charge": f"ch_{intent_id[3:]}", **extra}


def charge(intent_id: str, amount: int, refunded: int) -> dict[str, Any]:
    return {"id": f"ch_{intent_id[3:]}", "object": "charge", "payment_intent": intent_id, "amount": amount,
            "amount_refunded": refunded, "refunded": refunded >= amount, "metadata": {}}


def dispute(intent_id: str, status: str) -> dict[str, Any]:
    return {"id": f"dp_{intent_id[3:]}", "object": "dispute", "charge": f"ch_{intent_id[3:]}",
            "payment_intent": intent_id, "status": status}


def sent_mail() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def pay_with_test_card(server, payment_intent_id: str, payment_method: str = "pm_card_visa") -> dict:
    """What Stripe.js does in the SPA; localstripe takes the payment method by update, then confirm."""
    import stripe

    stripe.api_base = server.url
    stripe.PaymentIntent.modify(payment_intent_id, payment_method=payment_method, api_key=server.api_key)
    return stripe.PaymentIntent.confirm(payment_intent_id, api_key=server.api_key).to_dict()


def deliver_burst(gateway: Any, body: bytes, concurrent: int = 5, sequential: int = 5) -> list[str]:
    """The same signed event delivered `concurrent` times at once, then `sequential` times: each outcome."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.services.commerce import webhooks

    start = threading.Barrier(concurrent)

    def deliver_once(at_once: bool) -> str:
        if at_once:
            start.wait()
        return webhooks.handle(gateway.verify_webhook(body, signature(body)))

    with ThreadPoolExecutor(concurrent) as pool:
        outcomes = list(pool.map(deliver_once, [True] * concurrent))
    return outcomes + [deliver_once(False) for _ in range(sequential)]
