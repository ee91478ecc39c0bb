"""Creator sales data through the API, from Order rows written directly (checkout is tested elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.orders import make_order


def _day(order_id: str) -> str:
    from chalicelib.models import Order

    return Order.get(order_id).paid_at.astimezone(UTC).date().isoformat()


def test_creator_sales_dashboard(api):
    api.creator("alice")
    book = api.published("alice", title="The Book")["product_id"]
    pack = api.published("alice", title="The Pack", product_type="prompt_pack", prompt_count=10,
                         price_cents=2000)["product_id"]
    paid = make_order(api, product_id=book, paid_days_ago=0.001)
    refunded = make_order(api, product_id=book, status="refunded", refunded_cents=1500, paid_days_ago=2)
    partial = make_order(api, product_id=pack, status="partially_refunded", amount_cents=2000, refunded_cents=500,
                         fee_cents=100, paid_days_ago=5)
    euro = make_order(api, product_id=pack, currency="EUR", amount_cents=900, fee_cents=45, paid_days_ago=1)
    make_order(api, product_id=book, status="pending")  # never paid: not a sale
    make_order(api, product_id=book, status="failed")
    make_order(api, product_id=book, paid_days_ago=40)  # before the window
    make_order(api, creator="carol", buyer="dave", amount_cents=99_999)  # someone else's sale

    response = api.call("GET", "/v1/creator/sales", "alice")
    assert response.status_code == 200, response.json
    report = response.json
    today = datetime.now(UTC).date()
    assert report["days"] == 30 and report["window_end"] == today.isoformat()
    assert report["window_start"] == (today - timedelta(days=29)).isoformat()
    eur, usd = report["currencies"]
    assert (eur["currency"], usd["currency"]) == ("EUR", "USD")
    assert usd["totals"] == {"orders": 3, "gross_cents": 5000, "refunds_cents": 2000, "fees_cents": 250,
                             "net_cents": 2750, "refunded_orders": 1, "partially_refunded_orders": 1,
                             "disputed_orders": 0}
    assert eur["totals"]["gross_cents"] == 900 and eur["totals"]["net_cents"] == 855
    assert [(p["product_id"], p["title"], p["orders"], p["net_cents"]) for p in usd["top_products"]] == [
        (pack, "The Pack", 1, 1400), (book, "The Book", 2, 1350)]
    assert usd["products"] == usd["top_products"]
    assert [p["product_id"] for p in eur["products"]] == [pack]

    for block in (usd, eur):
        assert len(block["daily"]) == 30 and block["daily"][-1]["date"] == today.isoformat()
        assert sum(day["net_cents"] for day in block["daily"]) == block["totals"]["net_cents"]
    usd_days = {day["date"]: day for day in usd["daily"]}
    for order_id, gross in ((paid, 1500), (refunded, 1500), (partial, 2000)):
        assert usd_days[_day(order_id)]["gross_cents"] == gross
    assert {day["date"]: day["gross_cents"] for day in eur["daily"] if day["orders"]} == {_day(euro): 900}


def test_sales_are_private_to_each_creator(api):
    make_order(api, amount_cents=1500)
    make_order(api, creator="carol", buyer="dave", amount_cents=700, fee_cents=0)
    carol = api.call("GET", "/v1/creator/sales", "carol").json
    [usd] = carol["currencies"]
    assert usd["totals"]["gross_cents"] == 700 and len(usd["products"]) == 1
    assert api.call("GET", "/v1/creator/sales", "nobody").json["currencies"] == []
    assert api.call("GET", "/v1/creator/sales").status_code == 401
