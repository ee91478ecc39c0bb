"""The creator dashboard: AI allowance and usage, products, and 30 days of sales per currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from chalicelib.schemas.sales import CurrencySummary


class AiAllowance(BaseModel):
    tier: str
    total_tokens: int | None  # None: the unlimited tier
    used_tokens: int
    reserved_tokens: int  # held by AI calls in flight
    remaining_tokens: int | None
    resets_at: datetime
    credit_balance_tokens: int  # purchased tokens, used once the allowance is spent


class DashboardLink(BaseModel):
    rel: Literal["analytics", "funnel", "ai_usage", "ai_ledger", "product_analytics", "product_funnel",
                 "course_engagement"]
    href: str = Field(description="a GET path under the API's base URL, for the dashboard's window where it takes one")
    is_template: bool = Field(description="the href names `{product_id}`: put one of your products' ids there "
                                          "(a course's, for course_engagement)")


class CreatorDashboard(BaseModel):
    ai_allowance: AiAllowance
    ai_usage_by_feature: dict[str, int]  # tokens this period: outline, enhance, quiz, description
    products_by_type: dict[str, int]  # every type, drafts and archived included
    window_start: date
    window_end: date
    currencies: list[CurrencySummary]  # one item per currency sold in: totals, each of the 30 days, top products
    links: list[DashboardLink] = Field(description="the detailed reports behind these figures")
