"""Orders and access under Stripe events in any order (issue 18): the four sequences a randomized run found, over
HTTP, each with real localstripe payments and Stripe-signed refund and dispute events. The property test over
every order of arrival is tests/property/test_order_events.py."""

from __future__ import annotations

import pytest

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.webhooks import buy, deliver, order_status, owns, succeeded

pytestmark = pytest.mark.usefixtures("stripe_gateway")


@pytest.fixture
def product_id(api):
    api.creator("alice")
    return api.published("alice", title="Paid course", product_type="course", price_cents=2500)["product_id"]


def _event(kind: str, bought, *args) -> bytes:
    intent_id = bought["intent"]["id"]
    if kind == "refund":
        return ls.event("charge.refunded", ls.charge(intent_id, 2500, *args))
    return ls.event(f"charge.dispute.{kind}", ls.dispute(intent_id, *args))


def test_a_lost_dispute_of_an_old_order_leaves_the_access_a_new_purchase_gave(api, localstripe, product_id):  # noqa: F811
    first = buy(api, localstripe, product_id)
    assert deliver(api, succeeded(first)).json["outcome"] == "granted"
    assert deliver(api, _event("created", first, "needs_response")).json["outcome"] == "suspended"
    assert not owns(api, product_id)
    again = api.call("POST", f"/v1/products/{product_id}/checkout", "bob", {})
    assert again.status_code == 201 and again.json["previous_access"] == "suspended", again.json
    second = {"order": again.json, "intent": ls.pay_with_test_card(localstripe, again.json["client_secret"].split(
        "_secret_")[0])}
    assert deliver(api, succeeded(second)).json["outcome"] == "granted" and owns(api, product_id)
    assert api.call("POST", f"/v1/products/{product_id}/checkout", "bob", {}).status_code == 409  # held again
    assert deliver(api, _event("closed", first, "lost")).json["outcome"] == "revoked"
    assert owns(api, product_id)  # the second purchase is a source of its own
    assert (order_status(api, first)["status"], order_status(api, second)["status"]) == ("dispute_lost", "paid")
    # and a full refund of the old order, arriving late, changes nothing for the new one either
    deliver(api, _event("refund", first, 2500))
    assert owns(api, product_id) and order_status(api, second)["status"] == "paid"


def test_a_partial_refund_before_the_success_ends_partially_refunded(api, localstripe, product_id):  # noqa: F811
    bought = buy(api, localstripe, product_id)
    assert deliver(api, _event("refund", bought, 1000)).json["outcome"] == "refund_recorded"
    assert deliver(api, succeeded(bought)).json["outcome"] == "granted"
    order = order_status(api, bought)
    assert (order["status"], order["refunded_cents"]) == ("partially_refunded", 1000)
    assert owns(api, product_id)


def test_a_won_dispute_returns_a_partially_refunded_order_to_partially_refunded(api, localstripe,  # noqa: F811
                                                                                 product_id):
    bought = buy(api, localstripe, product_id)
    deliver(api, succeeded(bought))
    assert deliver(api, _event("refund", bought, 500)).json["outcome"] == "partially_refunded"
    assert deliver(api, _event("created", bought, "needs_response")).json["outcome"] == "suspended"
    assert order_status(api, bought)["status"] == "disputed" and not owns(api, product_id)
    assert deliver(api, _event("closed", bought, "won")).json["outcome"] == "restored"
    order = order_status(api, bought)
    assert (order["status"], order["refunded_cents"]) == ("partially_refunded", 500)
    assert owns(api, product_id)


def test_a_dispute_before_the_success_is_recorded_and_applied_when_the_payment_arrives(api, localstripe,  # noqa: F811
                                                                                       product_id):
    bought = buy(api, localstripe, product_id)
    created = deliver(api, _event("created", bought, "needs_response"))
    assert created.status_code == 200 and created.json["outcome"] == "dispute_recorded"
    assert deliver(api, succeeded(bought)).json["outcome"] == "recorded_after_dispute"
    assert order_status(api, bought)["status"] == "disputed" and not owns(api, product_id)
    assert deliver(api, _event("closed", bought, "won")).json["outcome"] == "restored"
    assert order_status(api, bought)["status"] == "paid" and owns(api, product_id)
    # a late `created` never reopens a closed dispute
    assert deliver(api, _event("created", bought, "needs_response")).json["outcome"] == "restored"
    assert order_status(api, bought)["status"] == "paid" and owns(api, product_id)
