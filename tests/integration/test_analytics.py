"""Creator analytics (services/analytics): roll-ups written in the transaction of each order event, checked against a
recount of the orders after a randomized run of payments, refunds and disputes (duplicates included); the report
by day, week and month; its parameters; and its DynamoDB calls, the same for 1 order as for 30."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import localstripe as ls
from tests.support.emulator import count_calls
from tests.support.orders import make_order

TODAY = datetime.now(UTC).date()


def _handle(body: bytes) -> str:
    from chalicelib.services.commerce import webhooks

    return webhooks.handle(json.loads(body))


def _paid(order) -> bytes:
    """Stripe's success event for an order written by `make_order(status="pending")`."""
    return ls.event("payment_intent.succeeded", {"id": order.payment_intent_id, "object": "payment_intent",
                                                 "amount": int(order.amount_cents), "status": "succeeded",
                                                 "metadata": {"order_id": order.order_id}})


def _report(api, user: str = "alice", **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"from": TODAY - timedelta(days=6), "to": TODAY, **params}.items())
    response = api.call("GET", f"/v1/creator/analytics?{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def _recount(creator_id: str) -> dict[str, dict[str, int]]:
    """The figures from the orders themselves, per currency."""
    from chalicelib.models import Order

    figures: dict[str, dict[str, int]] = {}
    buyers: dict[str, set[str]] = {}
    for key in Order.by_creator.query(creator_id):
        order = Order.get(key.order_id)
        if order.status == "pending" and not order.refunded_cents and not order.dispute_status:
            continue
        sums = figures.setdefault(order.currency, dict.fromkeys(
            ("gross_cents", "refunded_cents", "dispute_lost_cents", "orders", "disputes"), 0))
        if order.paid_at is not None:
            sums["gross_cents"] += int(order.amount_cents)
            sums["orders"] += 1
            buyers.setdefault(order.currency, set()).add(order.buyer_id)
        sums["refunded_cents"] += int(order.refunded_cents or 0)
        sums["disputes"] += int(order.dispute_status is not None)
        sums["dispute_lost_cents"] += int(order.amount_cents) if order.status == "dispute_lost" else 0
    for currency, sums in figures.items():
        sums["net_cents"] = sums["gross_cents"] - sums["refunded_cents"] - sums["dispute_lost_cents"]
    return figures


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_roll_ups_equal_a_recount_after_random_payments_refunds_and_disputes(api, seed):
    from chalicelib.models import Order

    rng = random.Random(seed)
    api.creator("alice")
    product_id = api.published("alice", price_cents=2000)["product_id"]
    orders = [make_order(api, buyer=rng.choice(["bob", "carol", "dan"]), product_id=product_id, status="pending",
                         amount_cents=2000, currency=rng.choice(["USD", "EUR"])) for _ in range(6)]
    sent: list[bytes] = []
    for _ in range(40):
        order = Order.get(rng.choice(orders))
        intent_id = order.payment_intent_id
        kind = rng.choice(["paid", "paid", "refund", "refund", "dispute", "closed", "again"])
        if kind == "again" and sent:
            body = rng.choice(sent)  # a duplicate delivery
        elif kind == "paid":
            body = _paid(order)
        elif kind == "refund":
            body = ls.event("charge.refunded", ls.charge(intent_id, 2000, min(2000, int(order.refunded_cents or 0)
                                                                             + rng.choice([500, 700, 2000]))))
        elif kind == "dispute":
            body = ls.event("charge.dispute.created", ls.dispute(intent_id, "needs_response"))
        else:
            body = ls.event("charge.dispute.closed", ls.dispute(intent_id, rng.choice(["won", "lost"])))
        sent.append(body)
        _handle(body)
    expected = _recount("alice")
    report = _report(api)
    assert {c["currency"] for c in report["currencies"]} == set(expected)
    for item in report["currencies"]:
        totals = item["totals"]
        assert {name: totals[name] for name in expected[item["currency"]]} == expected[item["currency"]], seed
        assert totals["free_claims"] == 0
    buyers = {Order.get(o).buyer_id for o in orders if Order.get(o).paid_at is not None}
    assert sum(c["totals"]["new_buyers"] for c in report["currencies"]) == len(buyers)  # once each, any currency
    assert _report(api, product_id=product_id)["currencies"] == report["currencies"]  # one product: the same


def test_new_buyers_count_each_buyer_once_and_free_claims_count(api):
    from chalicelib.models import Order

    api.creator("alice")
    product_id = api.published("alice", price_cents=1000)["product_id"]
    free = api.published("alice", title="Zine", pricing_type="free", price_cents=0)["product_id"]
    for buyer in ("bob", "bob", "carol"):
        order = Order.get(make_order(api, buyer=buyer, product_id=product_id, status="pending", amount_cents=1000))
        _handle(_paid(order))
    for user in ("bob", "dan"):
        api.call("POST", f"/v1/products/{free}/checkout", user, {})
    [usd] = _report(api)["currencies"]
    assert usd["totals"] == {"gross_cents": 3000, "refunded_cents": 0, "dispute_lost_cents": 0, "net_cents": 3000,
                             "orders": 3, "free_claims": 2, "new_buyers": 2, "disputes": 0}
    assert _report(api, product_id=free)["currencies"][0]["totals"]["free_claims"] == 2


def test_buckets_by_day_week_and_month_are_zero_filled(api):
    from chalicelib.models import Order

    api.creator("alice")
    product_id = api.published("alice", price_cents=1000)["product_id"]
    order = Order.get(make_order(api, product_id=product_id, status="pending", amount_cents=1000))
    _handle(_paid(order))
    start = TODAY - timedelta(days=40)
    days = _report(api, **{"from": start, "granularity": "day"})["currencies"][0]["series"]
    assert len(days) == 41 and days[-1]["date"] == TODAY.isoformat() and days[-1]["gross_cents"] == 1000
    assert sum(point["orders"] for point in days) == 1
    weeks = _report(api, **{"from": start, "granularity": "week"})["currencies"][0]["series"]
    assert all(datetime.fromisoformat(p["date"]).weekday() == 0 for p in weeks)
    assert weeks[-1]["gross_cents"] == 1000 and sum(p["orders"] for p in weeks) == 1
    months = _report(api, **{"from": start, "granularity": "month"})["currencies"][0]["series"]
    assert months[-1]["date"] == TODAY.replace(day=1).isoformat() and months[-1]["net_cents"] == 1000


def test_parameters_are_checked(api):
    api.creator("alice")
    api.creator("carol")
    theirs = api.published("carol")["product_id"]
    base = f"/v1/creator/analytics?from={TODAY}&to={TODAY}"
    assert api.call("GET", f"{base}&days=30", "alice").status_code == 422  # unknown parameter
    assert api.call("GET", f"{base}&granularity=year", "alice").status_code == 422
    assert api.call("GET", f"/v1/creator/analytics?from={TODAY}&to={TODAY - timedelta(days=1)}",
                    "alice").status_code == 422
    assert api.call("GET", f"/v1/creator/analytics?from={TODAY - timedelta(days=400)}&to={TODAY}",
                    "alice").status_code == 422
    assert api.call("GET", f"{base}&product_id={theirs}", "alice").status_code == 404
    assert api.call("GET", base, "bob").status_code == 403
    assert api.call("GET", base, "alice").json["currencies"] == []


def test_a_90_day_read_costs_the_same_for_1_and_30_orders(api):
    from chalicelib.models import Order

    api.creator("alice")
    product_id = api.published("alice", price_cents=1000)["product_id"]

    def pay(n: int) -> None:
        for _ in range(n):
            order = Order.get(make_order(api, product_id=product_id, status="pending", amount_cents=1000))
            _handle(_paid(order))

    def read() -> dict:
        with count_calls() as calls:
            _report(api, **{"from": TODAY - timedelta(days=89), "granularity": "week"})
        return dict(calls)

    pay(1)
    one = read()
    pay(29)
    assert read() == one
    assert sum(one.values()) <= 4  # the token's user row, the creator check, one Query


def test_the_30_day_sales_report_refuses_the_parameters_it_would_ignore(api):
    api.creator("alice")
    assert api.call("GET", "/v1/creator/sales", "alice").status_code == 200
    for query in ("days=90", "granularity=week"):
        response = api.call("GET", f"/v1/creator/sales?{query}", "alice")
        assert response.status_code == 422 and response.json["error"]["code"] == "validation_error", response.json
