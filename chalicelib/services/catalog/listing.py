"""How a published product fans out into explore rows (pure functions, unit-tested).

Each product is listed under every combination of {its type, any type} x {its pricing buckets, any}
x {its creator, any creator}: at most 2 x 4 x 2 = 16 rows, so every explore filter is one partition.
"""

from __future__ import annotations

from itertools import product as cartesian
from typing import Any

ANY = "*"
CARD_FIELDS = (
    "product_id", "slug", "title", "product_type", "creator_id", "pricing_type", "price_cents", "currency",
    "compare_at_price_cents", "min_price_cents", "has_free_preview", "cover_image_url",
    "total_lessons", "total_duration_seconds",
)


def pricing_buckets(pricing_type: str, has_free_preview: bool, min_price_cents: int | None = None) -> list[str]:
    """`free` for free products; `paid` otherwise, plus `freemium` when a paid product has a free preview. A
    pay-what-you-want product whose minimum is 0 is both `free` (buyers may claim it at 0) and `paid`."""
    if pricing_type == "free":
        return ["free"]
    buckets = ["paid", "freemium"] if has_free_preview else ["paid"]
    if pricing_type == "pwyw" and min_price_cents is not None and int(min_price_cents) == 0:
        buckets.insert(0, "free")
    return buckets


def facet_key(product_type: str | None, pricing: str | None, creator_id: str | None) -> str:
    return f"type={product_type or ANY}|pricing={pricing or ANY}|creator={creator_id or ANY}"


def facets(state: dict[str, Any]) -> list[str]:
    types = [state["product_type"], None]
    pricings = [*pricing_buckets(state["pricing_type"], bool(state.get("has_free_preview")),
                                 state.get("min_price_cents")), None]
    creators = [state["creator_id"], None]
    return [facet_key(t, p, c) for t, p, c in cartesian(types, pricings, creators)]


def sort_new(published_at_iso: str, product_id: str) -> str:
    return f"{published_at_iso}#{product_id}"


def sort_price(price_cents: int, product_id: str) -> str:
    return f"{int(price_cents):012d}#{product_id}"


def card(state: dict[str, Any]) -> dict[str, Any]:
    """The explore card (a bundle's adds its member count; rating figures are read with the page, exact)."""
    members = state.get("bundle_product_ids")
    return {name: state.get(name) for name in CARD_FIELDS} | {"member_count": len(members) if members else None}
