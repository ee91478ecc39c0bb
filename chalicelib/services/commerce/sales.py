"""Creator sales for the dashboard: one bounded Query of the window's orders, then pure aggregation.

Aggregation (`aggregate`, unit-tested in tests/unit/test_sales_math.py): a sale is an order that was paid (paid |
partially_refunded | refunded | disputed); net = gross − refunds − platform fees; a sale and its refunds count on
its UTC payment day; everything per currency; days zero-filled; top products by net (ties: gross, product id).
At very high volume this becomes a per-day roll-up fed by the orders stream; the aggregation stays the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.models import Order, Product

SALE_STATUSES = ("paid", "partially_refunded", "refunded", "disputed")
WINDOW_DAYS = 30
TOP_PRODUCTS = 5
PAGE_SIZE = 200


@dataclass(frozen=True)
class Sale:
    product_id: str
    currency: str
    status: str
    day: date
    amount_cents: int
    refunded_cents: int = 0
    platform_fee_cents: int = 0


def sale_of(order: Any) -> Sale | None:
    """The sale an order represents, or None for orders never paid (pending, failed, abandoned)."""
    if order.status not in SALE_STATUSES:
        return None
    when = order.paid_at or order.created_at
    return Sale(product_id=order.product_id, currency=order.currency.upper(), status=order.status,
                day=when.astimezone(UTC).date(), amount_cents=int(order.amount_cents),
                refunded_cents=int(order.refunded_cents or 0), platform_fee_cents=int(order.platform_fee_cents or 0))


def window_days(today: date, days: int = WINDOW_DAYS) -> list[date]:
    """The last `days` UTC days, oldest first, ending today."""
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def window_start(today: date, days: int = WINDOW_DAYS) -> datetime:
    return datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=UTC)


def _money() -> dict[str, int]:
    return {"orders": 0, "gross_cents": 0, "refunds_cents": 0, "fees_cents": 0, "net_cents": 0}


def _add(bucket: dict[str, int], sale: Sale) -> None:
    bucket["orders"] += 1
    bucket["gross_cents"] += sale.amount_cents
    bucket["refunds_cents"] += sale.refunded_cents
    bucket["fees_cents"] += sale.platform_fee_cents
    bucket["net_cents"] += sale.amount_cents - sale.refunded_cents - sale.platform_fee_cents


def aggregate(sales: Iterable[Sale], today: date, days: int = WINDOW_DAYS, top: int = TOP_PRODUCTS,
              titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The dashboard's numbers for the sales whose day falls in the window, one block per currency."""
    titles = titles or {}
    calendar = window_days(today, days)
    first, last = calendar[0], calendar[-1]
    blocks: dict[str, dict[str, Any]] = {}
    for sale in sales:
        if not first <= sale.day <= last:
            continue
        block = blocks.get(sale.currency)
        if block is None:
            block = blocks[sale.currency] = {
                "totals": _money() | {"refunded_orders": 0, "partially_refunded_orders": 0, "disputed_orders": 0},
                "daily": {day: _money() for day in calendar}, "products": {}}
        _add(block["totals"], sale)
        if sale.status in ("refunded", "partially_refunded", "disputed"):
            block["totals"][f"{sale.status}_orders"] += 1
        _add(block["daily"][sale.day], sale)
        product = block["products"].setdefault(sale.product_id, _money())
        _add(product, sale)
    currencies = []
    for currency in sorted(blocks):
        block = blocks[currency]
        products = sorted(
            ({"product_id": pid, "title": titles.get(pid), **numbers} for pid, numbers in block["products"].items()),
            key=lambda p: (-p["net_cents"], -p["gross_cents"], p["product_id"]))
        currencies.append({
            "currency": currency,
            "totals": block["totals"],
            "daily": [{"date": day, **block["daily"][day]} for day in calendar],
            "products": products,
            "top_products": products[:top],
        })
    return {"window_start": first, "window_end": last, "days": days, "currencies": currencies}


def creator_sales(creator_id: str, today: date | None = None) -> dict[str, Any]:
    """The creator's dashboard data. Only `creator_id`'s orders are read (the index's partition key)."""
    today = today or datetime.now(UTC).date()
    orders = Order.by_creator.query(creator_id, Order.created_at >= window_start(today), page_size=PAGE_SIZE)
    sales = [sale for sale in map(sale_of, orders) if sale is not None]
    product_ids = sorted({sale.product_id for sale in sales})
    titles = {product.product_id: product.title
              for product in Product.batch_get(product_ids, attributes_to_get=["product_id", "title"])}
    return aggregate(sales, today, titles=titles)
