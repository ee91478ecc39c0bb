"""The product funnel: detail views and checkouts started as sharded daily counters, paid orders and free claims
from the daily roll-ups; read per product or over all of a creator's products (protocol in the package docstring)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date
from typing import Any

from pynamodb.attributes import NumberAttribute

from chalicelib.models import DailyRollup, FunnelCounter
from chalicelib.models.analytics import FUNNEL_SHARDS
from chalicelib.models.base import utcnow
from chalicelib.observability import logger
from chalicelib.services.analytics.rollups import product_scope
from chalicelib.services.core.calendar import bucket_of, buckets, check_range, day_range_keys

FIGURES = ("views", "checkouts_started", "orders", "free_claims")
RATES = {"view_to_checkout_basis_points": ("checkouts_started", "views"),
         "view_to_paid_basis_points": ("orders", "views"),
         "checkout_to_paid_basis_points": ("orders", "checkouts_started")}


def _scopes(creator_id: str, product_id: str | None) -> list[str]:
    """The counters' partitions an event moves (the product's and the creator's), or a report reads (the first)."""
    return [f"P#{product_id}", f"C#{creator_id}"] if product_id else [f"C#{creator_id}"]


def _count(creator_id: str, product_id: str, counter: NumberAttribute) -> None:
    """ADD 1 to `counter` on a random shard of today (spreading a busy day's writes), the product's and the
    creator's: plain UpdateItems, never in a transaction (nothing to conflict with). Never raises: a failed count is
    logged, the caller goes on."""
    day = utcnow().date().isoformat()
    try:
        for scope in _scopes(creator_id, product_id):
            FunnelCounter(scope, f"{day}#{secrets.randbelow(FUNNEL_SHARDS)}").update(actions=[counter.add(1)])
    except Exception:  # noqa: BLE001 - a lost count must never fail a read or a checkout
        logger.warning("funnel event not counted", exc_info=True,
                       extra={"product_id": product_id, "counter": counter.attr_name})


def count_view(creator_id: str, product_id: str, viewer_id: str | None) -> None:
    """One detail view by anyone but the product's creator."""
    if viewer_id != creator_id:
        _count(creator_id, product_id, FunnelCounter.views)


def count_checkout(creator_id: str, product_id: str) -> None:
    """A checkout that created an order, counted after its transaction committed (a refused one counts nothing).
    Not inside that transaction: shared counter rows there would let two buyers' checkouts cancel each other."""
    _count(creator_id, product_id, FunnelCounter.checkouts_started)


def _rate(part: int, whole: int) -> int:
    return part * 10_000 // whole if whole else 0


def _with_rates(figures: dict[str, int]) -> dict[str, int]:
    return {**figures, **{name: _rate(figures[part], figures[whole]) for name, (part, whole) in RATES.items()}}


def report(creator_id: str, start: date, end: date, granularity: str, product_id: str | None = None) -> dict[str, Any]:
    """Two Queries whatever the traffic: the counters' shards of the range (≤ days × shards rows) and the
    roll-ups' days (per currency; their paid orders and free claims are counts, so they add up across currencies)."""
    check_range(start, end)
    bounds = day_range_keys(start, end)
    scope = _scopes(creator_id, product_id)[0]
    rollup_scope = product_scope(creator_id, product_id) if product_id else creator_id
    sums: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for row in FunnelCounter.query(scope, FunnelCounter.day_shard.between(*bounds)):
        bucket = sums[bucket_of(date.fromisoformat(row.day_shard.partition("#")[0]), granularity)]
        bucket["views"] += int(row.views or 0)
        bucket["checkouts_started"] += int(row.checkouts_started or 0)
    for rollup in DailyRollup.query(rollup_scope, DailyRollup.day_currency.between(*bounds)):
        bucket = sums[bucket_of(date.fromisoformat(rollup.day_currency.partition("#")[0]), granularity)]
        bucket["orders"] += int(rollup.orders or 0)
        bucket["free_claims"] += int(rollup.free_claims or 0)
    points = [{"date": first, **_with_rates(sums[first])} for first in buckets(start, end, granularity)]
    totals = {name: sum(point[name] for point in points) for name in FIGURES}
    return {"from_date": start, "to_date": end, "granularity": granularity, "product_id": product_id,
            "totals": _with_rates(totals), "series": points}
