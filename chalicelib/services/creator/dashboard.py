"""The creator dashboard: AI allowance, AI usage by feature, products by type, and sales — in bounded reads.

Reads, whatever the size of the catalog: the allowance (`ai.usage.status`: 2 GetItems, plus a write on first use
or when the period is due), one Query of the creator's products on the `by_creator` index (paginated, only
`product_type` read back), and the sales report (`sales.creator_sales`: one Query of the window's orders + one
BatchGetItem of titles). Sales figures stay per currency, never summed across currencies.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from chalicelib.models import Product
from chalicelib.services.ai import usage
from chalicelib.services.commerce import sales

PRODUCT_TYPES = ("course", "prompt_pack", "template", "ebook")
PAGE_SIZE = 200


def products_by_type(creator_id: str) -> dict[str, int]:
    counts = Counter(product.product_type for product in Product.by_creator.query(
        creator_id, attributes_to_get=["product_type"], page_size=PAGE_SIZE))
    return {kind: counts.get(kind, 0) for kind in PRODUCT_TYPES}


def creator_dashboard(creator_id: str, today: date | None = None) -> dict[str, Any]:
    """403 for a user without a creator account (from `usage.status`)."""
    ai = usage.status(creator_id)
    report = sales.creator_sales(creator_id, today)
    return {
        "ai_allowance": {name: ai[name] for name in ("tier", "total_tokens", "used_tokens", "reserved_tokens",
                                                     "remaining_tokens", "resets_at", "credit_balance_tokens")},
        "ai_usage_by_feature": ai["usage_by_feature"],
        "products_by_type": products_by_type(creator_id),
        "window_start": report["window_start"],
        "window_end": report["window_end"],
        "currencies": report["currencies"],  # the schema keeps each block's totals, daily and top products
    }
