"""Creator sales data (the dashboard): integer minor units, one block per currency, never mixed."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class SalesNumbers(BaseModel):
    orders: int
    gross_cents: int
    refunds_cents: int
    fees_cents: int
    net_cents: int  # gross − refunds − platform fees


class SalesTotals(SalesNumbers):
    refunded_orders: int
    partially_refunded_orders: int
    disputed_orders: int


class DailySales(SalesNumbers):
    date: date


class ProductSales(SalesNumbers):
    product_id: str
    title: str | None = None


class CurrencySummary(BaseModel):
    """One currency's sales in the window (the dashboard shows these; the sales report adds every product)."""

    currency: str
    totals: SalesTotals
    daily: list[DailySales]  # every UTC day of the window, oldest first, zero-filled
    top_products: list[ProductSales]  # the 5 with the highest net


class CurrencySales(CurrencySummary):
    products: list[ProductSales]  # every product sold in the window, highest net first


class SalesReport(BaseModel):
    window_start: date
    window_end: date
    days: int
    currencies: list[CurrencySales]
