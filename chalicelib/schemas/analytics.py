"""Creator analytics: roll-ups per currency over a date range (definitions in the field descriptions)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.schemas.common import StrictQuery


class DateRangeQuery(StrictQuery):
    """`from`/`to`: UTC calendar days, both included, at most 366 days apart; unknown parameters are a 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    from_date: dt.date = Field(alias="from", description="first UTC day (included)")
    to_date: dt.date = Field(alias="to", description="last UTC day (included)")
    granularity: Literal["day", "week", "month"] = "day"


class AnalyticsQuery(DateRangeQuery):
    """A date range, for all your products or one (`product_id`: someone else's answers 404)."""

    product_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class AnalyticsFigures(BaseModel):
    gross_cents: int = Field(description="amounts of orders paid in the period (100 % coupons at 0)")
    refunded_cents: int = Field(description="refunds recorded in the period (cash basis: on the day of the refund)")
    dispute_lost_cents: int = Field(description="amounts of orders whose dispute was lost in the period")
    net_cents: int = Field(description="gross_cents - refunded_cents - dispute_lost_cents (before platform fees)")
    orders: int = Field(description="orders paid in the period")
    free_claims: int = Field(description="free products (or pay-what-you-want at 0) claimed in the period")
    new_buyers: int = Field(description="buyers whose first paid order from you is in the period")
    disputes: int = Field(description="disputes opened in the period")


class AnalyticsPoint(AnalyticsFigures):
    date: dt.date = Field(description="the first UTC day of the bucket (a Monday for weeks, the 1st for months)")


class AnalyticsCurrency(BaseModel):
    currency: str
    totals: AnalyticsFigures
    series: list[AnalyticsPoint]


class AnalyticsReport(BaseModel):
    from_date: dt.date
    to_date: dt.date
    granularity: Literal["day", "week", "month"]
    product_id: str | None = None
    currencies: list[AnalyticsCurrency] = Field(description="one item per currency with any figure; never summed "
                                                            "across currencies")


class LessonEngagement(BaseModel):
    lesson_id: str
    started: int = Field(description="learners who reported any progress on the lesson")
    completed: int = Field(description="learners who have it completed now")
    drop_off_percent: int | None = Field(description="of those who completed it, the percent who never started the "
                                                     "next lesson (null for the last lesson)")
    video_learners: int = Field(description="learners who watched any of its video")
    average_watched_seconds: int = Field(description="their average furthest position in the video, in seconds")


class QuestionEngagement(BaseModel):
    quiz_id: str
    question_id: str
    answered: int = Field(description="answers in all attempts")
    correct_percent: int = Field(description="percent of those answers that were correct (0-100, floor)")


class EngagementReport(BaseModel):
    product_id: str
    lessons: list[LessonEngagement] = Field(description="in course order")
    questions: list[QuestionEngagement] = Field(description="questions answered at least once, by quiz")


class FunnelFigures(BaseModel):
    views: int = Field(description="detail reads (GET /v1/products/{id}) of the published product by anyone but you, "
                                   "signed in or not; every read counts, not unique people")
    checkouts_started: int = Field(description="checkouts that created an order (a payment started, or a 100 % "
                                               "coupon); free claims are not checkouts")
    orders: int = Field(description="orders paid in the period (100 % coupons included), all currencies")
    free_claims: int = Field(description="free products (or pay-what-you-want at 0) claimed in the period")
    view_to_checkout_basis_points: int = Field(description="checkouts_started × 10,000 / views, rounded down (0 "
                                                           "without views; 250 = 2.5 %)")
    view_to_paid_basis_points: int = Field(description="orders × 10,000 / views, rounded down (0 without views); may "
                                                       "exceed 10,000 when buyers check out without a detail read")
    checkout_to_paid_basis_points: int = Field(description="orders × 10,000 / checkouts_started, rounded down (0 "
                                                           "without checkouts); an order paid in a later period than "
                                                           "its checkout counts where it was paid")


class FunnelPoint(FunnelFigures):
    date: dt.date = Field(description="the first UTC day of the bucket (a Monday for weeks, the 1st for months)")


class FunnelReport(BaseModel):
    """Views and checkouts are counted by UTC day of the event, paid orders on the day they were paid."""

    from_date: dt.date
    to_date: dt.date
    granularity: Literal["day", "week", "month"]
    product_id: str | None = Field(None, description="the product reported on; null: all your products")
    totals: FunnelFigures = Field(description="the whole range (rates from the summed counts)")
    series: list[FunnelPoint] = Field(description="every bucket of the range, zeros included")
