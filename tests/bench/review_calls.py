"""DynamoDB calls for reviews and bundles (issue 15): a product detail with its reviews summary and a reviews page
must not grow with the number of reviews (10 vs 10,000), and a bundle's fulfilment not with its members (2 vs 20).

moto in-process; the reviews are bulk-written (BatchWriteItem) with the counters the review service keeps, since
moto's TransactWriteItems copies the table per item (see dynamodb_calls). Requests go to the real app through
chalice's test client; the fulfilment is the webhook's `handle` of a bundle payment's success.
"""

from __future__ import annotations

import json
from collections import Counter

from tests.bench.ddb_counter import COUNTER, breakdown
from tests.bench.report import ERROR, Row, heading, table, verdict

CREATOR, BUYER = "bench-creator", "bench-buyer"
REVIEWS = (10, 10_000)
MEMBERS = (2, 20)


def _product(title: str, **fields) -> dict:
    from chalicelib.services.catalog import products

    body = {"product_type": "ebook", "title": title, "pricing_type": "fixed", "price_cents": 900,
            "description": "Bench", **fields}
    return products.state_of(products.publish_product(CREATOR, products.create_product(CREATOR, body).product_id))


def _bulk_reviews(product_id: str, count: int) -> None:
    from datetime import UTC, datetime, timedelta

    from chalicelib.models import Product, Review
    from chalicelib.services.reviews.reviews import review_id_for, sort_keys

    start = datetime(2025, 1, 1, tzinfo=UTC)
    ratings = [1 + i % 5 for i in range(count)]
    with Review.batch_write() as batch:
        for i, rating in enumerate(ratings):
            at, rid = start + timedelta(minutes=i), review_id_for(product_id, f"reviewer-{i}")
            batch.save(Review(product_id, rid, reviewer_id=f"reviewer-{i}", creator_id=CREATOR, rating=rating,
                              text="Bench review", reviewer_name=f"Reviewer {i}", created_at=at, helpful_count=i % 7,
                              **sort_keys(rating, i % 7, at, rid)))
    Product(product_id, version=0).update(add_version_condition=False, actions=[
        Product.rating_count.set(count), Product.rating_sum.set(sum(ratings)),
        *(getattr(Product, f"rating_{n}_count").set(ratings.count(n)) for n in range(1, 6))])


def _count(client, path: str) -> tuple[int, Counter[str], dict]:
    client.http.get(path)  # first send: connections and one-off lookups
    with COUNTER.record() as calls:
        response = client.http.get(path)
    return response.status_code, calls, json.loads(response.body or b"{}")


def _fulfil(members: int) -> tuple[str, Counter[str]]:
    from chalicelib.models import Order
    from chalicelib.services.commerce import webhooks

    ids = [_product(f"Member {i}")["product_id"] for i in range(members)]
    bundle = _product("Bundle", product_type="bundle", bundle_product_ids=ids)
    Order("ord_bench", buyer_id=BUYER, creator_id=CREATOR, product_id=bundle["product_id"], product_type="bundle",
          currency="USD", list_price_cents=900, amount_cents=900, payment_intent_id="pi_bench",
          bundle_product_ids=set(ids)).save()
    event = {"id": "evt_bench", "type": "payment_intent.succeeded",
             "data": {"object": {"id": "pi_bench", "metadata": {"order_id": "ord_bench"}}}}
    with COUNTER.record() as calls:
        outcome = webhooks.handle(event)
    return outcome, calls


def run() -> list[Row]:
    from chalice.test import Client
    from moto import mock_aws

    import tests.conftest  # noqa: F401 - the test environment, before chalicelib is imported

    print(heading("DynamoDB calls: product detail + reviews summary, reviews pages (10 vs 10,000 reviews); "
                  "bundle fulfilment (2 vs 20 members)"))
    pages: dict[int, dict[str, tuple[int, Counter[str], str]]] = {}
    fulfilled: dict[int, tuple[str, Counter[str]]] = {}
    for size in REVIEWS:
        with mock_aws():
            from chalicelib.services.accounts import users
            from local.resources import create_tables

            create_tables()
            users.open_creator_account(CREATOR, None, "Bench Creator", None)
            product_id = _product("Reviewed")["product_id"]
            _bulk_reviews(product_id, size)
            from app import app

            with Client(app) as client:
                pages[size] = {}
                for name, path in (("product detail + reviews summary", f"/v1/products/{product_id}"),
                                   ("reviews page, newest", f"/v1/products/{product_id}/reviews?limit=20"),
                                   ("reviews page, 5 stars, most helpful",
                                    f"/v1/products/{product_id}/reviews?limit=20&rating=5&sort=helpful")):
                    status, calls, body = _count(client, path)
                    shown = body.get("rating", {}).get("count") if "rating" in body else len(body.get("items", []))
                    pages[size][name] = (status, calls, str(shown))
    for members in MEMBERS:
        with mock_aws():
            from chalicelib.services.accounts import users
            from local.resources import create_tables

            create_tables()
            users.open_creator_account(CREATOR, None, "Bench Creator", None)
            fulfilled[members] = _fulfil(members)

    rows, printed = [], []
    small, large = REVIEWS
    for name in pages[small]:
        a, b = pages[small][name], pages[large][name]
        same, ok = a[1] == b[1], a[0] == b[0] == 200
        printed.append([name, breakdown(a[1]), breakdown(b[1]), "yes" if same else "NO", f"{a[2]} | {b[2]}"])
        rows.append(Row("reviews", name, breakdown(b[1]), "same for 10 and 10,000 reviews",
                        verdict(same) if ok else ERROR))
    a, b = fulfilled[MEMBERS[0]], fulfilled[MEMBERS[1]]
    same, ok = a[1] == b[1], a[0] == b[0] == "granted"
    printed.append(["bundle fulfilment (webhook)", breakdown(a[1]), breakdown(b[1]), "yes" if same else "NO",
                    f"{a[0]} | {b[0]}"])
    rows.append(Row("reviews", "bundle fulfilment (webhook)", breakdown(b[1]), "same for 2 and 20 members",
                    verdict(same) if ok else ERROR))
    print(table(["request", "10 reviews / 2 members", "10,000 reviews / 20 members", "equal", "shown"], printed))
    return rows
