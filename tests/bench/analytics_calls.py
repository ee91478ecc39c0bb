"""DynamoDB calls of the 90-day creator reads of issue 16, small vs large data — they must cost the same, since each
reads daily roll-ups (a Query), never the orders, the views or the AI ledger:
- `GET /v1/creator/analytics`: 10 vs 10,000 orders;
- `GET /v1/creator/funnel`: 10 vs 10,000 detail views (and as many checkouts);
- `GET /v1/creator/ai/usage/breakdown`: 10 vs 10,000 AI calls in the ledger.

moto in-process. The old data is bulk-written (BatchWriteItem) over the last 90 days together with the roll-up rows
its events would have added (what `analytics.rollups.add`, `analytics.funnel` and `ai.usage.add_day` write in each
event's transaction or on each read; the tests check those writers against recounts); the last of each goes through
the real path: the last order is paid through the webhook's `handle`, the last view is a real detail read, the last
AI call is metered.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

from tests.bench.ddb_counter import COUNTER, breakdown
from tests.bench.report import ERROR, Row, heading, table, verdict

CREATOR, BUYER = "bench-creator", "bench-buyer"
SIZES = (10, 10_000)
DAYS = 90
FEATURES = ("outline", "enhance", "quiz", "description")


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


def _views(product_id: str, count: int) -> None:
    """`count - 1` views and as many checkouts over 90 days, spread over every shard as the counters spread them."""
    from chalicelib.models import FunnelCounter
    from chalicelib.models.analytics import FUNNEL_SHARDS

    now = datetime.now(UTC)
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for i in range(count - 1):
        day = (now - timedelta(days=i % DAYS)).date().isoformat()
        for scope in (f"P#{product_id}", f"C#{CREATOR}"):
            rows[scope, f"{day}#{i % FUNNEL_SHARDS}"].update({"views": 1, "checkouts_started": 1})
    with FunnelCounter.batch_write() as batch:
        for (scope, key), figures in rows.items():
            batch.save(FunnelCounter(scope, key, **figures))


def _ai_calls(count: int) -> None:
    """`count - 1` committed calls in the ledger over 90 days, with their day roll-ups; the last one metered."""
    from chalicelib.models import AiLedgerEntry, AiUsageDay
    from chalicelib.services.ai import metering

    now = datetime.now(UTC)
    days: dict[str, Counter[str]] = defaultdict(Counter)
    with AiLedgerEntry.batch_write() as batch:
        for i in range(count - 1):
            when, feature = now - timedelta(days=i % DAYS), FEATURES[i % len(FEATURES)]
            batch.save(AiLedgerEntry(CREATOR, f"R#bulk-{i:05d}", kind="call", status="committed",
                                     request_id=f"bulk-{i:05d}", feature=feature, model="offline",
                                     reserved_tokens=500, tokens_total=400, tokens_from_allowance=0,
                                     tokens_from_credits=0, created_at=when, committed_at=when))
            days[f"{when.date().isoformat()}#{feature}"].update({"used_tokens": 400, "calls": 1})
    with AiUsageDay.batch_write() as batch:
        for key, figures in days.items():
            batch.save(AiUsageDay(CREATOR, key, **figures))
    metering.metered(CREATOR, feature="outline", request_id="bench", max_tokens=500, model="offline",
                     run=lambda: ({}, 400))


def _read(count: int) -> dict[str, tuple[int, Counter[str], int]]:
    """Each report's status, the DynamoDB calls of its second send, and the figure it reports (orders, views,
    calls): they must equal `count`."""
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
    _views(product_id, count)
    _ai_calls(count)
    webhooks.handle({"id": "evt_bench", "type": "payment_intent.succeeded",
                     "data": {"object": {"id": "pi_bench", "metadata": {"order_id": "ord_bench"}}}})
    from app import app

    today = datetime.now(UTC).date()
    window = f"from={today - timedelta(days=DAYS - 1)}&to={today}&granularity=week"
    reads = {"analytics": (f"/v1/creator/analytics?{window}",
                           lambda report: sum(item["totals"]["orders"] for item in report.get("currencies", []))),
             "funnel": (f"/v1/creator/funnel?{window}", lambda report: report.get("totals", {}).get("views")),
             "ai usage": (f"/v1/creator/ai/usage/breakdown?{window}",
                          lambda report: report.get("totals", {}).get("calls"))}
    headers = {"Authorization": f"Bearer {test_env.IDP.mint(CREATOR, name='Bench Creator')}"}
    measured = {}
    with Client(app) as client:
        client.http.get(f"/v1/products/{product_id}")  # the last view: anonymous, through the real read
        for name, (path, figure) in reads.items():
            client.http.get(path, headers=headers)  # first send: connections and one-off lookups
            with COUNTER.record() as calls:
                response = client.http.get(path, headers=headers)
            measured[name] = (response.status_code, calls, figure(json.loads(response.body or b"{}")))
    return measured


def run() -> list[Row]:
    from moto import mock_aws

    import tests.conftest  # noqa: F401 - the test environment, before chalicelib is imported

    small, large = SIZES
    print(heading(f"DynamoDB calls: {DAYS}-day creator reads (weekly), {small:,} vs {large:,} orders / views / AI "
                  "calls"))
    measured = {}
    for count in SIZES:
        with mock_aws():
            measured[count] = _read(count)
    lines, rows = [], []
    for name, unit in (("analytics", "orders"), ("funnel", "views"), ("ai usage", "AI calls")):
        (s1, a, n1), (s2, b, n2) = measured[small][name], measured[large][name]
        same, ok = a == b, s1 == s2 == 200 and (n1, n2) == SIZES
        lines.append([name, breakdown(a), breakdown(b), "yes" if same else "NO", f"{n1:,} | {n2:,} {unit}"])
        rows.append(Row("analytics", f"{DAYS}-day {name} read", breakdown(b), f"same for {small:,} and {large:,} "
                        f"{unit}", verdict(same) if ok else ERROR))
    print(table(["read", f"{small:,}", f"{large:,}", "equal", "reported"], lines))
    return rows
