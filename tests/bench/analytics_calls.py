"""DynamoDB calls of a 90-day creator analytics read (issue 16): 10 vs 10,000 orders must cost the same, since the
report reads the daily roll-ups (one Query), never the orders.

moto in-process. The orders are bulk-written (BatchWriteItem) over the last 90 days together with the roll-up rows
their payments would have added (what `analytics.rollups.add` writes in each payment's transaction; the tests check
that writer against a recount); the last order is paid through the webhook's `handle`, the real path.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from tests.bench.ddb_counter import COUNTER, breakdown
from tests.bench.report import ERROR, Row, heading, table, verdict

CREATOR, BUYER = "bench-creator", "bench-buyer"
ORDERS = (10, 10_000)
DAYS = 90


def _orders(product_id: str, count: int) -> None:
    from chalicelib.models import DailyRollup, Order
    from chalicelib.services.analytics.rollups import day_key, product_scope

    now = datetime.now(UTC)
    days: dict[str, Counter[str]] = defaultdict(Counter)
    with Order.batch_write() as batch:
        for i in range(count - 1):
            paid = now - timedelta(days=i % DAYS)
            batch.save(Order(f"ord_bulk_{i:05d}", buyer_id=f"buyer-{i % 500}", creator_id=CREATOR,
                             product_id=product_id, product_type="ebook", status="paid", currency="USD",
                             list_price_cents=900, amount_cents=900, created_at=paid, paid_at=paid))
            days[paid.date().isoformat()].update({"gross_cents": 900, "orders": 1})
    with DailyRollup.batch_write() as batch:
        for day, figures in days.items():
            for scope in (CREATOR, product_scope(CREATOR, product_id)):
                batch.save(DailyRollup(scope, day_key(day, "USD"), **figures))
    Order("ord_bench", buyer_id=BUYER, creator_id=CREATOR, product_id=product_id, product_type="ebook",
          currency="USD", list_price_cents=900, amount_cents=900, payment_intent_id="pi_bench").save()


def _read(count: int) -> tuple[int, Counter[str], int]:
    from chalice.test import Client

    import tests.conftest as test_env
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products
    from chalicelib.services.commerce import webhooks
    from local.resources import create_tables

    create_tables()
    users.open_creator_account(CREATOR, None, "Bench Creator", None)
    body = {"product_type": "ebook", "title": "Bench", "pricing_type": "fixed", "price_cents": 900,
            "description": "Bench"}
    product_id = products.publish_product(CREATOR, products.create_product(CREATOR, body).product_id).product_id
    _orders(product_id, count)
    webhooks.handle({"id": "evt_bench", "type": "payment_intent.succeeded",
                     "data": {"object": {"id": "pi_bench", "metadata": {"order_id": "ord_bench"}}}})
    from app import app

    today = datetime.now(UTC).date()
    path = f"/v1/creator/analytics?from={today - timedelta(days=DAYS - 1)}&to={today}&granularity=week"
    headers = {"Authorization": f"Bearer {test_env.IDP.mint(CREATOR, name='Bench Creator')}"}
    with Client(app) as client:
        client.http.get(path, headers=headers)  # first send: connections and one-off lookups
        with COUNTER.record() as calls:
            response = client.http.get(path, headers=headers)
    report = json.loads(response.body or b"{}")
    orders = sum(item["totals"]["orders"] for item in report.get("currencies", []))
    return response.status_code, calls, orders


def run() -> list[Row]:
    from moto import mock_aws

    import tests.conftest  # noqa: F401 - the test environment, before chalicelib is imported

    print(heading(f"DynamoDB calls: a {DAYS}-day creator analytics read, 10 vs 10,000 orders"))
    measured = {}
    for count in ORDERS:
        with mock_aws():
            measured[count] = _read(count)
    (s1, a, n1), (s2, b, n2) = measured[ORDERS[0]], measured[ORDERS[1]]
    same, ok = a == b, s1 == s2 == 200 and (n1, n2) == ORDERS
    print(table(["request", "10 orders", "10,000 orders", "equal", "orders reported"],
                [[f"GET /v1/creator/analytics ({DAYS} days, weekly)", breakdown(a), breakdown(b),
                  "yes" if same else "NO", f"{n1:,} | {n2:,}"]]))
    return [Row("analytics", f"{DAYS}-day analytics read", breakdown(b), "same for 10 and 10,000 orders",
                verdict(same) if ok else ERROR)]
