"""Creator analytics: roll-ups per currency over a date range (definitions in the field descriptions)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.schemas.common import StrictQuery


class AnalyticsQuery(StrictQuery):
    """`from`/`to`: UTC calendar days, both included, at most 366 days apart; unknown parameters are a 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    from_date: dt.date = Field(alias="from", description="first UTC day (included)")
    to_date: dt.date = Field(alias="to", description="last UTC day (included)")
    granularity: Literal["day", "week", "month"] = "day"
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
