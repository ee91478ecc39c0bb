"""The explore listing: one Query on one facet partition per page, whatever the filters or the catalog's size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.models import CatalogListing
from chalicelib.services.access import grants
from chalicelib.services.accounts.profiles import card_profiles
from chalicelib.services.catalog import listing
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
    """One Query on one facet partition, one BatchGet of the page's creators and one for the viewer's access:
    constant calls."""
    facet = listing.facet_key(query.product_type, query.pricing, query.creator)

    def rows(**page: Any):
        if query.sort == "newest":
            return CatalogListing.query(facet, scan_index_forward=False, **page)
        return CatalogListing.by_price.query(facet, scan_index_forward=query.sort == "price_asc", **page)

    page = paginate(rows, f"explore|{facet}|{query.sort}", query.cursor, query.limit)
    cards = [dict(row.card) for row in page.items]
    owned = grants.access_map(viewer_id, cards)
    creators = card_profiles(card["creator_id"] for card in cards)
    for card in cards:
        card["has_access"] = owned.get(card["product_id"], False)
        card["creator"] = creators.get(card["creator_id"])
    return replace(page, items=cards)
