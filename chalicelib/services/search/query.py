"""The catalog search and suggestions: intent → one engine query → explore's cards for the caller.

A page costs one engine query (hits, total and facets) plus, like explore, one BatchGetItem of the page's creators
and one of the caller's grants (`has_access`). Cursors carry the offset, signed and bound to the query and filters.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, get_args

from chalicelib.config import get_settings
from chalicelib.integrations.search import engines
from chalicelib.integrations.search.base import PRICING_BUCKETS, Filters, ProductQuery
from chalicelib.services.access import grants
from chalicelib.services.accounts.profiles import card_profiles
from chalicelib.services.core.pagination import decode_cursor, encode_cursor
from chalicelib.services.search import intent as intents


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    product_type: str | None = None
    pricing: str | None = None
    creator: str | None = None
    max_price_cents: int | None = None
    content_types: str | None = None
    limit: int = 20
    cursor: str | None = None


def product_types() -> tuple[str, ...]:
    """The catalog's product types (the API's enum), so intent detection follows new types."""
    from chalicelib.schemas.products import ProductType

    return get_args(ProductType)


def plan(request: SearchRequest) -> tuple[intents.Intent, Filters]:
    """The detected intent and the filters searched: explicit parameters win over detected ones."""
    detected = intents.detect(request.q, product_types())
    return detected, Filters(
        product_type=request.product_type or detected.product_type,
        pricing=request.pricing or detected.pricing,
        creator_id=request.creator,
        max_price_cents=request.max_price_cents if request.max_price_cents is not None else detected.max_price_cents,
        content_types=tuple(part.strip() for part in (request.content_types or "").split(",") if part.strip()))


def search(request: SearchRequest, viewer_id: str | None) -> dict[str, Any]:
    detected, filters = plan(request)
    terms = detected.terms
    scope = "search|" + hashlib.sha256(json.dumps([terms, asdict(filters)], sort_keys=True).encode()).hexdigest()[:32]
    secret = get_settings().secret("cursor_secret")
    offset = int((decode_cursor(request.cursor, scope, secret) or {}).get("offset", 0))
    result = engines.engine().search_products(ProductQuery(terms, filters, offset, request.limit))
    cards = [dict(hit.card) for hit in result.hits]
    owned = grants.access_map(viewer_id, cards)
    creators = card_profiles(card["creator_id"] for card in cards)
    for card in cards:
        card["has_access"] = owned.get(card["product_id"], False)
        card["creator"] = creators.get(card["creator_id"])
    following = offset + len(cards)
    return {
        "items": cards,
        "intent": {"product_type": detected.product_type, "pricing": detected.pricing,
                   "max_price_cents": detected.max_price_cents, "currency": detected.currency,
                   "query": detected.query},
        "facets": {"by_product_type": {kind: result.facets["product_type"].get(kind, 0) for kind in product_types()},
                   "by_pricing": {bucket: result.facets["pricing"].get(bucket, 0) for bucket in PRICING_BUCKETS}},
        "total": result.total,
        "corrected_terms": result.corrected,
        "next_cursor": encode_cursor({"offset": following}, scope, secret) if following < result.total else None,
    }


def suggest(prefix: str, limit: int) -> dict[str, list[str]]:
    titles, topics = engines.engine().suggest(prefix, limit)
    return {"titles": titles, "topics": topics}
