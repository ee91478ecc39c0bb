"""The roll-up read: a creator's (or one product's) figures per currency over a date range, by day, ISO week
(starting Monday) or month; every bucket in the range is present (zeros included)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from chalicelib.models import DailyRollup
from chalicelib.services.analytics.rollups import FIGURES, product_scope
from chalicelib.services.core.calendar import bucket_of, buckets, check_range, day_range_keys


def _with_net(figures: dict[str, int]) -> dict[str, int]:
    return {**figures, "net_cents": figures["gross_cents"] - figures["refunded_cents"] - figures["dispute_lost_cents"]}


def series(creator_id: str, start: date, end: date, granularity: str, product_id: str | None = None) -> dict[str, Any]:
    """One Query (of the creator's or the product's partition), whatever the number of orders."""
    check_range(start, end)
    scope = product_scope(creator_id, product_id) if product_id else creator_id
    rows = DailyRollup.query(scope, DailyRollup.day_currency.between(*day_range_keys(start, end)))
    sums: dict[str, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(FIGURES, 0)))
    for row in rows:
        day, _, currency = row.day_currency.partition("#")
        bucket = sums[currency][bucket_of(date.fromisoformat(day), granularity)]
        for name in FIGURES:
            bucket[name] += int(getattr(row, name) or 0)
    firsts = buckets(start, end, granularity)
    currencies = []
    for currency in sorted(sums):
        points = [{"date": first, **_with_net(sums[currency][first])} for first in firsts]
        totals = {name: sum(point[name] for point in points) for name in FIGURES}
        currencies.append({"currency": currency, "totals": _with_net(totals), "series": points})
    return {"from_date": start, "to_date": end, "granularity": granularity, "product_id": product_id,
            "currencies": currencies}
