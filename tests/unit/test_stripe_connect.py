"""The Stripe adapter's Connect requests at the HTTP boundary of the `stripe` client (localstripe has no Connect): the
method, path, form parameters, `Stripe-Account` header and idempotency key each call sends, answered with JSON shaped
like Stripe's API reference — the exact request shapes destination charges, refunds, onboarding and balances need."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from chalicelib.integrations.payments import PaymentProviderError, StripeGateway


class RecordingHttp(stripe.HTTPClient):
    """stripe-python's HTTP client, replaced: records each request and answers the next queued response."""

    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        self.requests.append({"method": method.upper(), "path": parts.path,
                              "params": dict(parse_qsl(post_data or parts.query, keep_blank_values=True)),
                              "account": (headers or {}).get("Stripe-Account"),
                              "idempotency_key": (headers or {}).get("Idempotency-Key")})
        status, body = self.answers.pop(0)
        return json.dumps(body), status, {"Request-Id": "req_test"}

    def close(self) -> None:
        pass


@pytest.fixture
def http(monkeypatch) -> RecordingHttp:
    recorder = RecordingHttp()
    monkeypatch.setattr(stripe, "default_http_client", recorder)
    return recorder


GATEWAY = StripeGateway("sk_test_connect", "whsec_test")


def test_a_destination_charge_names_the_account_on_behalf_of_it_and_the_fee(http):
    http.answers.append((200, {"id": "pi_1", "object": "payment_intent", "client_secret": "pi_1_secret_a",
                               "status": "requires_payment_method", "amount": 1999, "currency": "usd",
                               "application_fee_amount": 100, "on_behalf_of": "acct_1",
                               "transfer_data": {"destination": "acct_1"}}))
    intent = GATEWAY.create_payment_intent(amount_cents=1999, currency="USD", metadata={"order_id": "ord_1"},
                                           idempotency_key="order-ord_1", destination="acct_1",
                                           application_fee_cents=100)
    assert intent.id == "pi_1" and intent.client_secret == "pi_1_secret_a"
    assert http.requests == [{"method": "POST", "path": "/v1/payment_intents", "account": None,
                              "idempotency_key": "order-ord_1",
                              "params": {"amount": "1999", "currency": "usd", "metadata[order_id]": "ord_1",
                                         "transfer_data[destination]": "acct_1", "on_behalf_of": "acct_1",
                                         "application_fee_amount": "100"}}]


def test_a_platform_charge_sends_no_connect_parameter(http):
    http.answers.append((200, {"id": "pi_2", "object": "payment_intent", "client_secret": "s", "status": "x"}))
    GATEWAY.create_payment_intent(amount_cents=500, currency="EUR", metadata={}, idempotency_key="order-2")
    assert http.requests[0]["params"] == {"amount": "500", "currency": "eur"}


@pytest.mark.parametrize("amount", [1999, 700])  # a full and a partial refund say the same explicitly
def test_refunds_of_destination_charges_reverse_the_transfer_and_the_fee(http, amount):
    http.answers.append((200, {"id": "re_1", "object": "refund", "amount": amount, "status": "succeeded",
                               "payment_intent": "pi_1", "transfer_reversal": "trr_1"}))
    refund = GATEWAY.create_refund(payment_intent_id="pi_1", amount_cents=amount, idempotency_key="refund-rr_1",
                                   metadata={"order_id": "ord_1"}, reverse_transfer=True)
    assert (refund.id, refund.status, refund.amount_cents) == ("re_1", "succeeded", amount)
    assert http.requests == [{"method": "POST", "path": "/v1/refunds", "account": None,
                              "idempotency_key": "refund-rr_1",
                              "params": {"payment_intent": "pi_1", "amount": str(amount), "metadata[order_id]": "ord_1",
                                         "reverse_transfer": "true", "refund_application_fee": "true"}}]


def test_a_platform_refund_sends_no_reversal(http):
    http.answers.append((200, {"id": "re_2", "object": "refund", "amount": 10, "status": "pending"}))
    GATEWAY.create_refund(payment_intent_id="pi_2", amount_cents=10, idempotency_key="refund-2", metadata={})
    assert "reverse_transfer" not in http.requests[0]["params"]
    assert "refund_application_fee" not in http.requests[0]["params"]


def test_an_express_account_is_created_with_its_capabilities_and_key(http):
    http.answers.append((200, {"id": "acct_1", "object": "account", "type": "express", "charges_enabled": False,
                               "metadata": {"creator_id": "alice"}}))
    assert GATEWAY.create_connected_account(metadata={"creator_id": "alice"},
                                            idempotency_key="payouts-account-alice") == "acct_1"
    assert http.requests == [{"method": "POST", "path": "/v1/accounts", "account": None,
                              "idempotency_key": "payouts-account-alice",
                              "params": {"type": "express", "metadata[creator_id]": "alice",
                                         "capabilities[card_payments][requested]": "true",
                                         "capabilities[transfers][requested]": "true"}}]


def test_an_account_link_is_an_onboarding_link_with_both_urls(http):
    http.answers.append((200, {"object": "account_link", "created": 1_700_000_000, "expires_at": 1_700_000_300,
                               "url": "https://connect.stripe.com/setup/e/acct_1/abc"}))
    link = GATEWAY.create_account_link(account_id="acct_1", refresh_url="https://app/r", return_url="https://app/d")
    assert link.url == "https://connect.stripe.com/setup/e/acct_1/abc" and link.expires_at.timestamp() == 1_700_000_300
    [request] = http.requests
    assert (request["method"], request["path"], request["account"]) == ("POST", "/v1/account_links", None)
    assert request["params"] == {"account": "acct_1", "type": "account_onboarding", "refresh_url": "https://app/r",
                                 "return_url": "https://app/d"}
    # no key of ours: a link is single use and asked for again each time (stripe-python adds a random one)


def test_a_connected_balance_is_read_as_that_account(http):
    http.answers.append((200, {"object": "balance", "livemode": False,
                               "available": [{"amount": 1234, "currency": "usd", "source_types": {"card": 1234}},
                                             {"amount": 0, "currency": "eur"}],
                               "pending": [{"amount": 567, "currency": "usd"}, {"amount": 80, "currency": "eur"}]}))
    assert GATEWAY.retrieve_balance(stripe_account="acct_1") == {"USD": (1234, 567), "EUR": (0, 80)}
    assert http.requests == [{"method": "GET", "path": "/v1/balance", "account": "acct_1", "idempotency_key": None,
                              "params": {}}]


def test_stripe_errors_become_provider_errors_without_secrets(http):
    http.answers.append((400, {"error": {"type": "invalid_request_error", "code": "account_invalid",
                                         "message": "No such account: 'acct_x'"}}))
    with pytest.raises(PaymentProviderError) as raised:
        GATEWAY.retrieve_balance(stripe_account="acct_x")
    assert "sk_test_connect" not in str(raised.value)


def test_connect_events_verify_with_the_connect_endpoints_own_secret():
    from chalicelib.integrations.payments import InvalidWebhook
    from tests.support.localstripe import signature

    body = json.dumps({"id": "evt_1", "object": "event", "type": "account.updated", "account": "acct_1",
                       "data": {"object": {"id": "acct_1"}}}).encode()
    gateway = StripeGateway("sk_test", "whsec_platform", connect_webhook_secret="whsec_connect")
    assert gateway.verify_webhook(body, signature(body, "whsec_connect"))["type"] == "account.updated"
    assert gateway.verify_webhook(body, signature(body, "whsec_platform"))["id"] == "evt_1"
    with pytest.raises(InvalidWebhook):
        gateway.verify_webhook(body, signature(body, "whsec_someone_else"))
    with pytest.raises(InvalidWebhook):
        StripeGateway("sk_test", "whsec_platform").verify_webhook(body, signature(body, "whsec_connect"))
