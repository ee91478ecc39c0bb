"""The creator dashboard: AI allowance and usage, products, and 30 days of sales per currency."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from chalicelib.schemas.sales import DailySales, ProductSales, SalesTotals


class AiAllowance(BaseModel):
    tier: str
    tokens_total: int | None  # None: the unlimited tier
    tokens_used: int
    tokens_reserved: int  # held by AI calls in flight
    tokens_remaining: int | None
    resets_at: datetime
    credits_balance: int  # purchased tokens, used once the allowance is spent


class CreatorDashboard(BaseModel):
    ai_allowance: AiAllowance
    ai_usage_by_feature: dict[str, int]  # tokens this period: outline, enhance, quiz, description
    products_by_type: dict[str, int]  # every type, drafts and archived included
    window_start: date
    window_end: date
    sales_totals: dict[str, SalesTotals]  # per currency: orders, gross, refunds, fees, net, refunded orders
    revenue_trend: dict[str, list[DailySales]]  # per currency: each of the last 30 UTC days, oldest first
    top_products: dict[str, list[ProductSales]]  # per currency: the 5 with the highest net
