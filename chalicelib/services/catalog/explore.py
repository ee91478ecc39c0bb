"""The explore listing: one Query on one facet partition per page, whatever the filters or the catalog's size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.models import CatalogListing, Product
from chalicelib.services.access import grants
from chalicelib.services.accounts.profiles import card_profiles
from chalicelib.services.catalog import listing, ratings
from chalicelib.services.core.pagination import Page, paginate


@dataclass(frozen=True)
class ExploreQuery:
    product_type: str | None = None
    pricing: str | None = None
    creator: str | None = None
    sort: str = "newest"
    limit: int = 20
    cursor: str | None = None


def explore(query: ExploreQuery, viewer_id: str | None) -> Page:
    """One Query on one facet partition, one BatchGet of the page's creators, one of its products' review counters
    (exact, never a copy) and one for the viewer's access: constant calls. `sort=rating`: the global index
    `by_rating` (average, then count; its key follows each review within moments, see `ratings`)."""
    facet = listing.facet_key(query.product_type, query.pricing, query.creator)

    def rows(**page: Any):
        if query.sort == "newest":
            return CatalogListing.query(facet, scan_index_forward=False, **page)
        if query.sort == "rating":
            return CatalogListing.by_rating.query(facet, scan_index_forward=False, **page)
        return CatalogListing.by_price.query(facet, scan_index_forward=query.sort == "price_asc", **page)

    page = paginate(rows, f"explore|{facet}|{query.sort}", query.cursor, query.limit)
    cards = [dict(row.card) for row in page.items]
    owned = grants.access_map(viewer_id, cards)
    creators = card_profiles(card["creator_id"] for card in cards)
    counters = _rating_counters([card["product_id"] for card in cards])
    for card in cards:
        card["has_access"] = owned.get(card["product_id"], False)
        card["creator"] = creators.get(card["creator_id"])
        card["rating_summary"] = ratings.summary(counters.get(card["product_id"], {}))
    return replace(page, items=cards)


RATING_FIELDS = ("product_id", "rating_count", "rating_sum", *(f"rating_{n}_count" for n in ratings.RATINGS))


def _rating_counters(product_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The page's products' review counters, in one BatchGetItem of just those attributes."""
    if not product_ids:
        return {}
    rows = Product.batch_get(product_ids, attributes_to_get=list(RATING_FIELDS))
    return {row.product_id: dict(row.attribute_values) for row in rows}
