"""The hook commerce adds to a transaction that turns a buyer's access on or off: their reviews follow.

`plan` reads the buyer's reviews of the products whose access changes (one BatchGetItem) and returns the write for
the caller's transaction: a review to hide or restore is updated (sort keys removed or set, `is_visible`) under
the condition that it is still the version read, and leaves or rejoins the aggregates in the same transaction; a
product without a review gets a condition that there still is none. So a review written or edited meanwhile
cancels the caller's transaction, which re-plans from fresh reads (commerce's webhook loop does).
"""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.transactions import TransactWrite

from chalicelib.models import Review
from chalicelib.services.catalog import ratings
from chalicelib.services.reviews.reviews import review_id_for, sort_actions


def plan(user_id: str, active: dict[str, bool]) -> Callable[[TransactWrite], None]:
    """`active`: product id → whether the user's access to it is active after the caller's write (only products
    whose access changes between active and not). The write to add to the caller's transaction."""
    keys = [(product_id, review_id_for(product_id, user_id)) for product_id in active]
    found = {r.product_id: r for r in Review.batch_get(keys, consistent_read=True)} if keys else {}

    def write(tx: TransactWrite) -> None:
        for product_id, review_id in keys:
            review, visible = found.get(product_id), active[product_id]
            if review is None:
                tx.condition_check(Review, product_id, review_id, condition=Review.review_id.does_not_exist())
                continue
            tx.update(review, condition=Review.version == int(review.version), actions=[
                Review.is_visible.set(visible), Review.version.add(1),
                *sort_actions(review, visible, int(review.rating), int(review.helpful_count))])
            if bool(review.is_visible) != visible:
                rating = int(review.rating)
                ratings.add(tx, product_id, None if visible else rating, rating if visible else None)

    return write
