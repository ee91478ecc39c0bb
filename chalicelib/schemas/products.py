"""Catalog requests and responses.

Money is integer minor units (`StrictInt`: 9.99 or "999" are refused, never rounded). Write bodies are
strict: `creator_id`, `status`, course stats and timestamps cannot be sent at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from chalicelib.schemas.accounts import CreatorCard, CreatorProfile
from chalicelib.schemas.common import StrictBody, StrictQuery, omittable

ProductType = Literal["course", "prompt_pack", "template", "ebook", "bundle"]
PricingType = Literal["fixed", "free", "pwyw"]
Status = Literal["draft", "published", "archived"]
TemplateFormat = Literal["notion", "figma", "canva", "sheets", "docs", "other"]

Cents = Annotated[StrictInt, Field(ge=0, le=100_000_000)]
Currency = Literal["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "INR", "BRL"]
Slug = Annotated[str, Field(min_length=3, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


def _https(url: str | None) -> str | None:
    if url is not None and not url.startswith("https://"):
        raise ValueError("must be an https:// URL")
    return url


HttpsUrl = Annotated[str, Field(max_length=2048), AfterValidator(_https)]
Count = Annotated[StrictInt, Field(ge=1, le=100_000)]
ProductId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^prd_[A-Za-z0-9]+$")]


class _ProductFields(StrictBody):
    """Fields with `omittable()` may be left out but not sent as null; `X | None` fields may be cleared."""

    title: Annotated[str, Field(min_length=1, max_length=200)] = omittable()
    slug: Slug = omittable()
    description: Annotated[str, Field(max_length=20_000)] = omittable()
    pricing_type: PricingType = omittable()
    price_cents: Cents = omittable()
    currency: Currency = omittable()
    compare_at_price_cents: Cents | None = None
    min_price_cents: Cents | None = None
    refund_window_days: Annotated[StrictInt, Field(ge=0, le=365)] = omittable()
    learning_outcomes: Annotated[list[ShortText], Field(max_length=20)] = omittable()
    prerequisites: Annotated[list[ShortText], Field(max_length=20)] = omittable()
    cover_image_url: HttpsUrl | None = None
    page_count: Count | None = None
    prompt_count: Count | None = None
    template_format: TemplateFormat | None = None
    # bundles only: 2–20 of your own published products (not bundles), in display order
    bundle_product_ids: Annotated[list[ProductId], Field(min_length=2, max_length=20)] = omittable()


class ProductCreate(_ProductFields):
    product_type: ProductType
    title: Annotated[str, Field(min_length=1, max_length=200)]
    pricing_type: PricingType
    price_cents: Cents = 0
    currency: Currency = "USD"


class ProductUpdate(_ProductFields):
    """Partial update: only the fields sent change; `null` clears the nullable fields only.

    `product_type` is fixed at creation.
    """


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: str
    creator_id: str
    product_type: ProductType
    status: Status
    title: str
    slug: str
    description: str
    pricing_type: PricingType
    price_cents: int
    currency: str
    compare_at_price_cents: int | None = None
    min_price_cents: int | None = None
    refund_window_days: int = 30
    learning_outcomes: list[str]
    prerequisites: list[str]
    cover_image_url: str | None = None
    page_count: int | None = None
    prompt_count: int | None = None
    template_format: str | None = None
    bundle_product_ids: list[str] | None = None
    total_lessons: int
    total_modules: int
    total_duration_seconds: int
    has_free_preview: bool
    free_preview_lesson_count: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    archived_at: datetime | None = None


class OutlineLesson(BaseModel):
    lesson_id: str
    title: str
    slug: str
    content_type: str
    estimated_duration_seconds: int  # the creator's estimate, else the attached video's length
    has_video: bool = False  # a native video is attached: `GET .../lessons/{id}/playback`
    video_duration_seconds: int | None = None
    position: int
    is_free_preview: bool
    is_locked: bool
    access_reason: str
    quizzes: list[OutlineQuiz] = []  # the lesson's inline quizzes


class OutlineQuiz(BaseModel):
    quiz_id: str
    title: str
    scope: str
    module_id: str | None = None
    lesson_id: str | None = None
    position: int
    question_count: int
    passing_score_percent: int
    is_retakable: bool
    is_free_preview: bool
    is_locked: bool
    access_reason: str


class OutlineModule(BaseModel):
    module_id: str
    title: str
    description: str
    position: int
    is_free_preview: bool
    estimated_duration_seconds: int
    lessons: list[OutlineLesson]
    quizzes: list[OutlineQuiz]


class LessonAccess(BaseModel):
    is_accessible: bool
    reason: Literal["owner", "purchased", "gifted", "promotional", "free_preview", "locked"]


class RatingCount(BaseModel):
    rating: int
    count: int


class RatingSummary(BaseModel):
    """Aggregates of the visible reviews, kept exact by the reviews' own transactions (never a recount)."""

    count: int
    average_rating_hundredths: int = Field(description="the average rating × 100, rounded half up (467 = 4.67)")
    histogram: list[RatingCount]


class BundleMember(BaseModel):
    product_id: str
    slug: str
    title: str
    product_type: ProductType
    pricing_type: PricingType
    price_cents: int
    currency: str
    cover_image_url: str | None = None
    status: Status


class BundleSummary(BaseModel):
    members: list[BundleMember]
    members_price_cents: int = Field(description="the sum of the members' current prices")
    saving_cents: int = Field(description="members_price_cents − the bundle's price (never below 0)")


class ProductDetail(ProductOut):
    rating_summary: RatingSummary
    bundle: BundleSummary | None = None  # bundles only: their members, what they cost apart and the saving
    has_access: bool
    access_reason: Literal["owner", "purchased", "gifted", "promotional"] | None = None
    is_owner: bool
    creator: CreatorProfile | None = None  # the creator's public profile (never the email)
    outline: list[OutlineModule] | None = None
    course_quizzes: list[OutlineQuiz] | None = None
    lesson_access: dict[str, LessonAccess] | None = None


class ProductCard(BaseModel):
    product_id: str
    slug: str
    title: str
    product_type: ProductType
    creator_id: str
    pricing_type: PricingType
    price_cents: int
    currency: str
    compare_at_price_cents: int | None = None
    min_price_cents: int | None = None
    has_free_preview: bool
    cover_image_url: str | None = None
    total_lessons: int
    total_duration_seconds: int
    member_count: int | None = None  # bundles only
    rating_summary: RatingSummary
    has_access: bool
    creator: CreatorCard | None = None  # name, handle and avatar of the creator (one BatchGet per page)


class ProductCardPage(BaseModel):
    items: list[ProductCard]
    next_cursor: str | None = None


class ProductPage(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None = None


class ExploreParams(StrictQuery):
    product_type: ProductType | None = None
    pricing: Literal["free", "paid", "freemium"] | None = None
    creator: Annotated[str, Field(max_length=128)] | None = None
    sort: Literal["newest", "price_asc", "price_desc", "rating"] = "newest"
    limit: Annotated[int, Field(ge=1)] | None = None
    cursor: Annotated[str, Field(max_length=2048)] | None = None
