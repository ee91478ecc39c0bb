"""A product's review aggregates: the counters on its row, their summary, and the explore sort key.

The counters (`rating_count`, `rating_sum`, `rating_<n>_count`) move only by ADD inside the caller's transaction
(`add`, called by `reviews` with the review's own write, conditioned on the review as read), so concurrent reviews,
edits, deletes and hides never lose one another's change and a read never counts reviews. Each ADD also bumps the
product's `version`, so a product write planned before (`products._commit` puts the whole row) is refused and
re-read instead of putting stale counters back. The explore rows' `sort_rating` is derived, so it is refreshed
after the commit from the counters read back (`refresh_listing`, monotonic by the product's version).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.models import CatalogListing, Product
from chalicelib.services.catalog import listing
from chalicelib.services.core.db import lost_race, transaction

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

RATINGS = (1, 2, 3, 4, 5)
_BY_RATING = {1: Product.rating_1_count, 2: Product.rating_2_count, 3: Product.rating_3_count,
              4: Product.rating_4_count, 5: Product.rating_5_count}


def average_hundredths(count: int, total: int) -> int:
    """The average rating in hundredths (4.67 → 467), rounded half up; 0 without reviews. Integers, not floats."""
    return (200 * total + count) // (2 * count) if count else 0


def summary(state: dict[str, Any]) -> dict[str, Any]:
    """The aggregates a card, a detail page and a search document show: count, average, histogram 1–5."""
    count, total = int(state.get("rating_count") or 0), int(state.get("rating_sum") or 0)
    return {"count": count, "average_rating_hundredths": average_hundredths(count, total),
            "histogram": [{"rating": n, "count": int(state.get(f"rating_{n}_count") or 0)} for n in RATINGS]}


def add(tx: TransactWrite, product_id: str, removed: int | None, added: int | None) -> None:
    """Inside `tx`: one visible rating leaves the aggregates (`removed`) and/or one joins them (`added`)."""
    change: Counter[int] = Counter()
    if removed:
        change[removed] -= 1
    if added:
        change[added] += 1
    count = (1 if added else 0) - (1 if removed else 0)
    actions = [Product.rating_sum.add((added or 0) - (removed or 0)), Product.rating_count.add(count)]
    actions += [_BY_RATING[n].add(delta) for n, delta in change.items() if delta]
    # PynamoDB adds `version` +1 itself (a known version, no condition on it): see `bump`.
    tx.update(bump(product_id), actions=actions, condition=Product.product_id.exists(), add_version_condition=False)


def bump(product_id: str) -> Product:
    """A product key whose update ADDs 1 to the stored `version` (with `add_version_condition=False`), whatever it
    is: writes of other fields that a concurrent `products._commit` must not overwrite with what it read."""
    return Product(product_id, version=0)


def sort_rating(state: dict[str, Any]) -> str:
    count = int(state.get("rating_count") or 0)
    return f"{average_hundredths(count, int(state.get('rating_sum') or 0)):03d}#{count:010d}#{state['product_id']}"


def refresh_listing(product_id: str) -> None:
    """After a review's commit: the product's explore rows get the `sort_rating` of the counters as now stored,
    unless a refresh from a newer version got there first (or the rows are gone: unpublished meanwhile)."""
    try:
        product = Product.get(product_id, consistent_read=True)
    except DoesNotExist:
        return
    state = dict(product.attribute_values)
    if state["status"] != "published":
        return
    key, version = sort_rating(state), int(product.version)
    newer = CatalogListing.rating_version.does_not_exist() | (CatalogListing.rating_version < version)
    try:
        with transaction() as tx:
            for facet in listing.facets(state):
                tx.update(CatalogListing(facet, listing.sort_new(state["published_at"].isoformat(), product_id)),
                          actions=[CatalogListing.sort_rating.set(key), CatalogListing.rating_version.set(version)],
                          condition=CatalogListing.product_id.exists() & newer)
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise  # a lost race: a newer refresh (or the product's own write) already set a newer key
