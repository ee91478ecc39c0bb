"""The product funnel (services/analytics/funnel.py): detail views counted on the public read (sharded, never the
creator's own), checkouts started counted once the order's transaction committed (a failing counter fails neither),
paid orders from the roll-ups; checked against a recount after a randomized run, per product and over the creator's
products, with the read's DynamoDB calls independent of the traffic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.emulator import count_calls

TODAY = datetime.now(UTC).date()


@pytest.fixture
def gateway(monkeypatch):
    """A Stripe stand-in that hands out PaymentIntents (the payments arrive as signed-off webhook events)."""
    from chalicelib.integrations import payments

    class Gateway:
        def create_payment_intent(self, *, amount_cents, currency, metadata, idempotency_key):
            intent_id = f"pi_{metadata['order_id']}"
            return payments.PaymentIntent(id=intent_id, client_secret=f"{intent_id}_secret",
                                          status="requires_payment_method")

    monkeypatch.setattr(payments, "gateway", lambda: Gateway())


def _funnel(api, user: str = "alice", **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"from": TODAY - timedelta(days=6), "to": TODAY, **params}.items())
    response = api.call("GET", f"/v1/creator/funnel?{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def _pay(order_id: str) -> None:
    from chalicelib.models import Order
    from chalicelib.services.commerce import webhooks

    order = Order.get(order_id)
    webhooks.handle({"id": f"evt_{order_id}", "type": "payment_intent.succeeded",
                     "data": {"object": {"id": order.payment_intent_id, "object": "payment_intent",
                                         "amount": int(order.amount_cents), "status": "succeeded",
                                         "metadata": {"order_id": order_id}}}})
    assert Order.get(order_id).paid_at is not None


def _counted(scope: str) -> dict[str, int]:
    """The counters' rows of today under `scope`, summed; and how many shard rows hold them."""
    from chalicelib.models import FunnelCounter

    rows = list(FunnelCounter.query(scope, FunnelCounter.day_shard.startswith(TODAY.isoformat())))
    return {"views": sum(int(row.views or 0) for row in rows),
            "checkouts_started": sum(int(row.checkouts_started or 0) for row in rows), "rows": len(rows)}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_funnel_equals_a_recount_after_random_views_checkouts_and_payments(api, gateway, seed):
    from chalicelib.models import Order

    rng = random.Random(seed)
    api.creator("alice")
    products = [api.published("alice", title=f"Book {n}", price_cents=1000 + n)["product_id"] for n in range(2)]
    slugs = {pid: api.call("GET", f"/v1/products/{pid}", "alice").json["slug"] for pid in products}
    views = dict.fromkeys(products, 0)
    for _ in range(40):
        pid = rng.choice(products)
        viewer = rng.choice(["bob", "carol", "dan", None, "alice"])
        ref = rng.choice([pid, slugs[pid]])
        assert api.call("GET", f"/v1/products/{ref}", viewer).status_code == 200
        views[pid] += viewer != "alice"  # the creator's own views never count
        if viewer and viewer != "alice" and rng.random() < 0.3:
            started = api.call("POST", f"/v1/products/{pid}/checkout", viewer, {})
            assert started.status_code in (201, 409), started.json  # 409: they already own it
            if started.status_code == 201 and rng.random() < 0.6:
                _pay(started.json["order_id"])

    orders = [Order.get(key.order_id) for key in Order.by_creator.query("alice")]
    assert orders, "the run made no order: change the seed"
    for pid in products:
        mine = [order for order in orders if order.product_id == pid]
        paid = sum(order.paid_at is not None for order in mine)
        report = _funnel(api, product_id=pid)
        assert {name: report["totals"][name] for name in ("views", "checkouts_started", "orders", "free_claims")} == {
            "views": views[pid], "checkouts_started": len(mine), "orders": paid, "free_claims": 0}
        assert report["totals"]["view_to_paid_basis_points"] == (paid * 10_000 // views[pid] if views[pid] else 0)
        assert report["series"][-1]["views"] == views[pid] and report["series"][-1]["date"] == TODAY.isoformat()
        assert {key: value for key, value in _counted(f"P#{pid}").items() if key != "rows"} == {
            "views": views[pid], "checkouts_started": len(mine)}
    everything = _funnel(api)["totals"]
    assert everything["views"] == sum(views.values()) and everything["checkouts_started"] == len(orders)
    assert everything["orders"] == sum(order.paid_at is not None for order in orders)
    counted = _counted("C#alice")
    assert counted["views"] == sum(views.values())
    assert 1 < counted["rows"] <= 8  # spread over the shards: at most 8 rows a day


def test_rates_buckets_and_free_claims(api, gateway):
    api.creator("alice")
    pid = api.published("alice", price_cents=2500)["product_id"]
    free = api.published("alice", title="Free book", pricing_type="free", price_cents=0)["product_id"]
    for viewer in ["bob", "carol", "dan", "erin"] * 2:
        api.call("GET", f"/v1/products/{pid}", viewer)
    api.call("GET", f"/v1/products/{free}", "bob")
    order_ids = [api.call("POST", f"/v1/products/{pid}/checkout", buyer, {}).json["order_id"]
                 for buyer in ("bob", "carol", "dan")]
    _pay(order_ids[0])
    assert api.call("POST", f"/v1/products/{free}/checkout", "carol", {}).json["status"] == "granted"

    totals = _funnel(api, product_id=pid)["totals"]
    assert totals == {"views": 8, "checkouts_started": 3, "orders": 1, "free_claims": 0,
                      "view_to_checkout_basis_points": 3750, "view_to_paid_basis_points": 1250,
                      "checkout_to_paid_basis_points": 3333}
    claimed = _funnel(api, product_id=free)["totals"]
    assert (claimed["views"], claimed["checkouts_started"], claimed["free_claims"]) == (1, 0, 1)
    assert claimed["checkout_to_paid_basis_points"] == 0  # no checkouts: 0, not a division by zero
    weekly = _funnel(api, granularity="month", **{"from": TODAY.replace(day=1) - timedelta(days=1)})
    assert [point["date"] for point in weekly["series"]] == [
        (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat(), TODAY.replace(day=1).isoformat()]
    assert weekly["series"][-1]["views"] == 9 and weekly["series"][0]["views"] == 0


def test_a_100_percent_coupon_is_a_checkout_and_a_paid_order(api, gateway):
    api.creator("alice")
    pid = api.published("alice", price_cents=1500)["product_id"]
    body = {"code": "FREE", "kind": "percent", "discount_percent": 100}
    assert api.call("POST", "/v1/creator/coupons", "alice", body).status_code == 201
    api.call("GET", f"/v1/products/{pid}", "bob")
    granted = api.call("POST", f"/v1/products/{pid}/checkout", "bob", {"coupon_code": "free"})
    assert granted.status_code == 201 and granted.json["status"] == "granted", granted.json
    totals = _funnel(api, product_id=pid)["totals"]
    assert (totals["views"], totals["checkouts_started"], totals["orders"]) == (1, 1, 1)
    assert totals["checkout_to_paid_basis_points"] == 10_000


def test_a_failing_counter_never_fails_the_detail_read_nor_the_checkout(api, gateway, monkeypatch, caplog):
    from chalicelib.models import FunnelCounter, Order

    api.creator("alice")
    pid = api.published("alice")["product_id"]

    def broken(self, *args, **kwargs):
        raise RuntimeError("throttled")

    monkeypatch.setattr(FunnelCounter, "update", broken)
    response = api.call("GET", f"/v1/products/{pid}", "bob")
    assert response.status_code == 200 and response.json["product_id"] == pid
    started = api.call("POST", f"/v1/products/{pid}/checkout", "bob", {})
    assert started.status_code == 201 and Order.get(started.json["order_id"]).status == "pending"
    assert caplog.text.count("funnel event not counted") == 2
    monkeypatch.undo()
    assert (_funnel(api, product_id=pid)["totals"]["views"], _funnel(api)["totals"]["checkouts_started"]) == (0, 0)


def test_drafts_and_the_creators_own_reads_count_nothing(api):
    api.creator("alice")
    draft = api.product("alice")["product_id"]
    published = api.published("alice")["product_id"]
    for pid in (draft, published):
        assert api.call("GET", f"/v1/products/{pid}", "alice").status_code == 200
    assert _funnel(api)["totals"]["views"] == 0


def test_only_the_creator_reads_the_funnel_of_their_products(api):
    api.creator("alice")
    api.creator("carol")
    pid = api.published("alice")["product_id"]
    window = f"from={TODAY}&to={TODAY}"
    assert api.call("GET", f"/v1/creator/funnel?{window}&product_id={pid}", "carol").status_code == 404
    assert api.call("GET", f"/v1/creator/funnel?{window}", "bob").status_code == 403  # no creator account
    assert api.call("GET", f"/v1/creator/funnel?{window}").status_code == 401
    assert api.call("GET", f"/v1/creator/funnel?{window}&days=7", "alice").status_code == 422
    late = api.call("GET", f"/v1/creator/funnel?from={TODAY}&to={TODAY - timedelta(days=1)}", "alice")
    assert late.status_code == 422


def test_a_90_day_funnel_read_costs_the_same_for_few_and_many_views(api, gateway):
    api.creator("alice")
    pid = api.published("alice")["product_id"]
    window = {"from": TODAY - timedelta(days=89), "to": TODAY, "granularity": "week"}
    calls = []
    for views in (1, 30):
        for _ in range(views):
            api.call("GET", f"/v1/products/{pid}", "bob")
        api.call("POST", f"/v1/products/{pid}/checkout", "bob", {})
        for product_id in (pid, None):
            params = {**window, **({"product_id": pid} if product_id else {})}
            _funnel(api, **params)
            with count_calls() as counted:
                _funnel(api, **params)
            calls.append(dict(counted))
    assert calls[0] == calls[2] and calls[1] == calls[3]
    assert calls[1]["Query"] == 2  # the counters' shards and the roll-ups, whatever the traffic
