"""The creator dashboard's arithmetic: pure functions over sales, no AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

from chalicelib.services.commerce.sales import Sale, aggregate, sale_of, window_days, window_start

TODAY = date(2026, 3, 10)


def sale(product: str = "p1", day_offset: int = 0, amount: int = 1000, refunded: int = 0, fee: int = 50,
         currency: str = "USD", status: str = "paid") -> Sale:
    return Sale(product_id=product, currency=currency, status=status, day=TODAY - timedelta(days=day_offset),
                amount_cents=amount, refunded_cents=refunded, platform_fee_cents=fee)


def test_window_is_thirty_utc_days_ending_today():
    days = window_days(TODAY)
    assert len(days) == 30 and days[0] == date(2026, 2, 9) and days[-1] == TODAY
    assert window_start(TODAY) == datetime(2026, 2, 9, tzinfo=UTC)


def test_empty_report():
    report = aggregate([], TODAY)
    assert report == {"window_start": date(2026, 2, 9), "window_end": TODAY, "days": 30, "currencies": []}


def test_totals_net_and_zero_filled_days():
    sales = [sale(amount=1000, fee=50), sale(amount=2000, refunded=2000, fee=100, status="refunded"),
             sale(day_offset=3, amount=500, refunded=200, fee=25, status="partially_refunded"),
             sale(day_offset=29, amount=700, fee=35, status="disputed")]
    [usd] = aggregate(sales, TODAY)["currencies"]
    assert usd["currency"] == "USD"
    assert usd["totals"] == {"orders": 4, "gross_cents": 4200, "refunds_cents": 2200, "fees_cents": 210,
                             "net_cents": 1790, "refunded_orders": 1, "partially_refunded_orders": 1,
                             "disputed_orders": 1}
    daily = usd["daily"]
    assert len(daily) == 30 and [d["date"] for d in daily] == window_days(TODAY)
    assert daily[-1] == {"date": TODAY, "orders": 2, "gross_cents": 3000, "refunds_cents": 2000, "fees_cents": 150,
                         "net_cents": 850}
    assert daily[-4]["net_cents"] == 275 and daily[0]["gross_cents"] == 700
    assert sum(d["orders"] for d in daily) == 4
    assert [d for d in daily if d["orders"] == 0][0] == {"date": daily[1]["date"], "orders": 0, "gross_cents": 0,
                                                          "refunds_cents": 0, "fees_cents": 0, "net_cents": 0}
    assert sum(d["net_cents"] for d in daily) == usd["totals"]["net_cents"]


def test_sales_outside_the_window_are_ignored():
    [usd] = aggregate([sale(day_offset=29), sale(day_offset=30), sale(day_offset=-1)], TODAY)["currencies"]
    assert usd["totals"]["orders"] == 1


def test_currencies_are_never_mixed():
    report = aggregate([sale(currency="USD", amount=1000), sale(currency="EUR", amount=900, fee=45),
                        sale(product="p2", currency="EUR", amount=100, fee=5)], TODAY)
    by_currency = {block["currency"]: block for block in report["currencies"]}
    assert list(by_currency) == ["EUR", "USD"]
    assert by_currency["EUR"]["totals"]["gross_cents"] == 1000 and by_currency["USD"]["totals"]["gross_cents"] == 1000
    assert [p["product_id"] for p in by_currency["USD"]["products"]] == ["p1"]
    assert {p["product_id"] for p in by_currency["EUR"]["products"]} == {"p1", "p2"}
    assert all(isinstance(v, int) for block in report["currencies"] for v in block["totals"].values())


def test_orders_per_product_and_top_five_by_net():
    sales = [sale(product=f"p{n}", amount=100 * n, fee=0) for n in range(1, 8)]
    sales += [sale(product="p1", amount=1000, fee=0), sale(product="p7", amount=300, refunded=300, fee=0)]
    # p1: 1100 net over 2 orders; p7: 700 net; p6 600, p5 500, p4 400, p3 300, p2 200
    [usd] = aggregate(sales, TODAY, titles={"p1": "One"})["currencies"]
    assert [p["product_id"] for p in usd["top_products"]] == ["p1", "p7", "p6", "p5", "p4"]
    assert len(usd["products"]) == 7
    p1 = usd["products"][0]
    assert p1 == {"product_id": "p1", "title": "One", "orders": 2, "gross_cents": 1100, "refunds_cents": 0,
                  "fees_cents": 0, "net_cents": 1100}
    assert usd["products"][1]["orders"] == 2 and usd["products"][1]["refunds_cents"] == 300
    assert usd["products"][1]["title"] is None


def test_ties_break_by_gross_then_id():
    sales = [sale(product="b", amount=500, fee=0), sale(product="a", amount=500, fee=0),
             sale(product="c", amount=600, refunded=100, fee=0)]
    [usd] = aggregate(sales, TODAY)["currencies"]
    assert [p["product_id"] for p in usd["products"]] == ["c", "a", "b"]


def order(status: str, paid_at: datetime | None, created_at: datetime, **fields) -> SimpleNamespace:
    return SimpleNamespace(**{"product_id": "p1", "currency": "usd", "status": status, "paid_at": paid_at,
                              "created_at": created_at, "amount_cents": 1000, "refunded_cents": None,
                              "platform_fee_cents": 50, **fields})


def test_only_paid_orders_are_sales_counted_on_their_utc_payment_day():
    created = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    assert sale_of(order("pending", None, created)) is None
    assert sale_of(order("failed", None, created)) is None
    assert sale_of(order("abandoned", None, created)) is None
    late_evening_in_new_york = datetime(2026, 3, 9, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    paid = sale_of(order("paid", late_evening_in_new_york, created))
    assert paid == Sale("p1", "USD", "paid", date(2026, 3, 10), 1000, 0, 50)
    assert sale_of(order("refunded", None, created, refunded_cents=1000)).day == date(2026, 3, 9)
