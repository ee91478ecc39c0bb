"""Reviews: a rating 1–5 with optional plain text, the creator's reply, helpful votes and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt

from chalicelib.schemas.common import PageQuery, StrictBody, omittable

Rating = Annotated[StrictInt, Field(ge=1, le=5)]
ReviewText = Annotated[str, Field(max_length=5000, description="plain text (never rendered as HTML); may be empty")]


class ReviewCreate(StrictBody):
    rating: Rating
    text: ReviewText = ""


class ReviewUpdate(StrictBody):
    """Only the fields sent change; the review is marked edited."""

    rating: Rating = omittable()
    text: ReviewText = omittable()


class ReplyWrite(StrictBody):
    text: Annotated[str, Field(min_length=1, max_length=5000)]


class ReportCreate(StrictBody):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class ReviewListParams(PageQuery):
    sort: Literal["newest", "helpful", "highest", "lowest"] = "newest"
    rating: Annotated[int, Field(ge=1, le=5)] | None = None


class Reply(BaseModel):
    text: str
    created_at: datetime
    edited_at: datetime | None = None


class ReviewOut(BaseModel):
    review_id: str
    product_id: str
    rating: int
    text: str
    reviewer_name: str = Field(description="the reviewer's display name (never their email or id)")
    is_verified_buyer: bool = Field(description="the reviewer's access came from a purchase or a claim")
    helpful_count: int
    is_edited: bool
    created_at: datetime
    edited_at: datetime | None = None
    reply: Reply | None = None  # the creator's public reply


class MyReviewOut(ReviewOut):
    is_visible: bool = Field(description="false while your access is refunded or disputed: it is not listed and "
                                         "does not count in the product's rating")


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    next_cursor: str | None = None


class HelpfulOut(BaseModel):
    review: ReviewOut
    is_counted: bool = Field(description="false when your vote was already counted (idempotent)")


class ReportOut(BaseModel):
    review_id: str
    reason: str
    created_at: datetime


class ReportAck(BaseModel):
    is_new: bool = Field(description="false when you had reported this review already (idempotent)")


class ReportPage(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None = None
