"""Search requests and responses: the catalog search, suggestions as you type, and search inside your library."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from chalicelib.schemas.common import StrictQuery
from chalicelib.schemas.products import Cents, ProductCard, ProductType

Pricing = Literal["free", "paid", "freemium"]
ContentType = Literal["text", "video", "video_embed", "quiz_inline", "exercise", "quiz", "notion", "figma", "canva",
                      "sheets", "docs", "other"]
QueryText = Annotated[str, Field(max_length=200)]


class SearchParams(StrictQuery):
    """`q` is free text; words naming a type, a pricing or a price ceiling are read as filters (`intent` in the
    answer says which), and explicit parameters win over them. `content_types`: comma-separated, any of them."""

    q: QueryText = ""
    product_type: ProductType | None = None
    pricing: Pricing | None = None
    creator: Annotated[str, Field(max_length=128)] | None = None
    max_price_cents: Cents | None = None
    content_types: Annotated[str, Field(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1)] | None = None
    cursor: Annotated[str, Field(max_length=2048)] | None = None

    @model_validator(mode="after")
    def _something_to_search(self) -> SearchParams:
        if not self.q.strip() and not any((self.product_type, self.pricing, self.creator,
                                           self.max_price_cents is not None, self.content_types)):
            raise ValueError("give q (the words to search for) or at least one filter")
        return self

    @field_validator("content_types")
    @classmethod
    def _known_content_types(cls, value: str | None) -> str | None:
        known = get_args(ContentType)
        unknown = sorted({part.strip() for part in (value or "").split(",") if part.strip()} - set(known))
        if unknown:
            raise ValueError(f"unknown content_types: {', '.join(unknown)} (known: {', '.join(known)})")
        return value


class Intent(BaseModel):
    """What the query's words asked for (null: nothing detected) and the text searched once they are removed."""

    product_type: ProductType | None = None
    pricing: Pricing | None = None
    max_price_cents: int | None = None
    currency: str | None = None  # the ceiling's currency when the words name one ("$20": USD)
    query: str


class Facets(BaseModel):
    """Matches by type (ignoring the type filter) and by pricing (ignoring the pricing filter): fixed key sets."""

    by_product_type: dict[ProductType, int]
    by_pricing: dict[Pricing, int]


class SearchPage(BaseModel):
    items: list[ProductCard]  # explore's cards (with the caller's `has_access`), best match first
    intent: Intent
    facets: Facets
    total: int
    corrected_terms: dict[str, str] = {}  # a misspelt word → the word searched instead
    next_cursor: str | None = None


class SuggestParams(StrictQuery):
    q: Annotated[str, Field(min_length=1, max_length=100)]
    limit: Annotated[int, Field(ge=1, le=10)] = 5


class Suggestions(BaseModel):
    titles: list[str]  # titles of published products completing the query
    topics: list[str]  # indexed words starting like the last word typed


class LibrarySearchParams(StrictQuery):
    q: Annotated[str, Field(min_length=1, max_length=200)]
    limit: Annotated[int, Field(ge=1, le=50)] = 20


class LibraryHit(BaseModel):
    """Where a match is: the product, and inside it the lesson (a section, or a moment of its video), the quiz, or
    the file (a page, chapter, section or entry). Fields that do not apply to the hit's `kind` are null."""

    product_id: str
    product_slug: str
    product_title: str
    product_type: str
    access_type: str  # purchased | gifted | promotional | preview (free preview lessons only)
    kind: Literal["lesson", "quiz", "product", "captions", "file"]
    title: str
    snippet: str
    lesson_id: str | None = None
    lesson_slug: str | None = None
    anchor: str | None = Field(None, description="the heading anchor (GitHub's slug rule) of the section that "
                                                 "matched: in a lesson (or `key-takeaways`) or a Markdown/text file")
    quiz_id: str | None = None
    start_seconds: int | None = Field(None, description="`captions`: where the matching words are said in the "
                                                        "lesson's video (the first cue's start, whole seconds)")
    language: str | None = Field(None, description="`captions`: the caption track's language code")
    file_id: str | None = Field(None, description="`file`: the deliverable file (GET …/files/{file_id}/download)")
    filename: str | None = None
    page: int | None = Field(None, description="`file`: the PDF page that matched (1-based)")
    chapter: int | None = Field(None, description="`file`: the EPUB chapter that matched (1-based, reading order)")
    entry: int | None = Field(None, description="`file`: the matching entry of a prompt list (1-based): a CSV data "
                                                "row, a JSON list item, a paragraph of a plain-text file")


class LibrarySearchPage(BaseModel):
    items: list[LibraryHit]
