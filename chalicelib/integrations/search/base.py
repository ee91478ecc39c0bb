"""What every search engine stores and answers: plain data, so the services never see an engine's own types.

Two collections: `products` (the public catalog: published products only, no paid content) and `content` (what is
inside products, searched only on behalf of someone whose access was checked per product). Every document carries
the `version` of the record it was built from: an engine applies a write only when its version is newer than what
it holds (a removal leaves a versioned tombstone), so replays and out-of-order deliveries never bring back old state.

A product's content comes from several sources, each replaced as a whole at its own version: `product` (the
product's own inside: a course's lessons, quizzes and captions, or a product page; the product's version) and one
`file:<file_id>` per deliverable file (its text; versions from the file's lifecycle). A deleted product's content
is dropped with a tombstone that refuses every later write for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# Text fields of a product document, most important first; the engines weight them in this order.
PRODUCT_FIELDS = ("title", "tags", "outcomes", "outline", "description")
FIELD_WEIGHTS = {"title": 10.0, "tags": 5.0, "outcomes": 4.0, "outline": 3.0, "description": 1.0}
PRICING_BUCKETS = ("free", "paid", "freemium")
PRODUCT_SOURCE = "product"  # the content source rebuilt with every change of the product itself


@dataclass(frozen=True)
class ProductDoc:
    """One published product as the public index holds it. `card` is returned with a hit as it was indexed."""

    product_id: str
    version: int
    text: dict[str, str]  # PRODUCT_FIELDS → text
    product_type: str
    creator_id: str
    pricing: tuple[str, ...]  # its buckets: free | paid | freemium
    price_floor_cents: int  # the least a buyer may pay (a pay-what-you-want minimum, 0 when free)
    content_types: tuple[str, ...] = ()
    published_at: str = ""
    popularity: int = 0  # a rating count or sales figure when the product has one: the last tie-breaker
    card: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContentChunk:
    """A searchable piece of a product's inside (a lesson, a quiz, a prompt...), with where it opens."""

    chunk_id: str  # unique within its source
    title: str
    text: str
    is_free_preview: bool  # readable by preview learners too
    link: dict[str, Any]  # what a deep link needs: lesson_id, anchor, start_seconds, file_id, page...


@dataclass(frozen=True)
class Filters:
    product_type: str | None = None
    pricing: str | None = None
    creator_id: str | None = None
    max_price_cents: int | None = None
    content_types: tuple[str, ...] = ()  # any of them


@dataclass(frozen=True)
class ProductQuery:
    terms: tuple[str, ...]  # the words to match (already stripped of intent words); empty: filters only
    filters: Filters = Filters()
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class ProductHit:
    product_id: str
    score: float
    card: dict[str, Any]


@dataclass(frozen=True)
class ProductResult:
    hits: list[ProductHit]
    total: int
    facets: dict[str, dict[str, int]]  # "product_type" and "pricing" → value → count (each ignores its own filter)
    corrected: dict[str, str] = field(default_factory=dict)  # a misspelt term → the indexed term searched instead


@dataclass(frozen=True)
class ContentHit:
    product_id: str
    chunk_id: str
    title: str
    snippet: str
    link: dict[str, Any]
    score: float


class SearchEngine(Protocol):
    def upsert_products(self, docs: list[ProductDoc]) -> int:
        """Store each document whose version is newer than the stored one; how many were applied."""

    def remove_product(self, product_id: str, version: int) -> bool:
        """Drop the product from the public index unless a newer version is stored (a tombstone keeps the version).
        Its content stays: holders of an archived product keep searching it."""

    def search_products(self, query: ProductQuery) -> ProductResult: ...

    def suggest(self, prefix: str, limit: int) -> tuple[list[str], list[str]]:
        """(titles, topics) completing what the user is typing."""

    def replace_content(self, product_id: str, source: str, version: int, chunks: list[ContentChunk]) -> bool:
        """All chunks of one content source of a product at `version` (an older or equal version, or a product
        whose content was dropped, is ignored: False)."""

    def drop_content(self, product_id: str) -> None:
        """The product is gone: every source's chunks out, and a tombstone refusing any later `replace_content`."""

    def content_version(self, product_id: str, source: str) -> int | None:
        """The stored version of one content source of a product, if any (what is current is not rebuilt)."""

    def search_content(self, terms: tuple[str, ...], full: set[str], preview: set[str],
                       limit: int) -> list[ContentHit]:
        """Chunks of products in `full`, and free-preview chunks of products in `preview`; nothing else."""

    def versions(self, product_ids: list[str]) -> dict[str, int]:
        """The stored version of each product (tombstones included): the reindex skips what is current."""
