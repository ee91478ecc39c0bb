"""Helpful votes and reports: one mark per user and review, idempotent (a conditional put of the mark).

A vote moves `helpful_count` and the "most helpful" sort keys in the mark's transaction, conditioned on the review's
`version` (the keys are derived from the count). A report adds to `report_count` and flags the review `reported`;
the review stays visible (moderation is not deletion). The creator's report queue is one Query of the product's
`R#` marks. A review deleted and written again is a new incarnation: marks of the old one do not carry over.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import Conflict, Forbidden
from chalicelib.models import Review, ReviewMark
from chalicelib.services.catalog import products
from chalicelib.services.core.db import condition_failed, lost_race, retry_on_conflict, transaction
from chalicelib.services.core.pagination import Page, paginate
from chalicelib.services.reviews.reviews import sort_actions, visible_review

_ATTEMPTS = 8


def _mark(kind: str, review: Review, user_id: str) -> str:
    """`H#`/`R#` + the review's incarnation (its id and creation time) + the user."""
    return f"{kind}#{review.review_id}@{review.created_at.isoformat()}#{user_id}"


def _too_busy() -> Conflict:
    return Conflict("too many simultaneous votes on this review; retry")


def mark_helpful(user_id: str, ref: str, review_id: str) -> tuple[Review, bool]:
    """`(review, counted)`: counted is False when this user's vote was there already. Authors cannot vote."""
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, _too_busy, max_delay=0.5):
        _, review = visible_review(ref, review_id, user_id)
        if review.reviewer_id == user_id:
            raise Forbidden("you cannot mark your own review helpful")
        helpful = int(review.helpful_count) + 1
        mark = ReviewMark(review.product_id, _mark("H", review, user_id), review_id=review_id, user_id=user_id)
        try:
            with transaction() as tx:
                tx.save(mark, condition=ReviewMark.mark.does_not_exist())
                tx.update(review, condition=Review.version == int(review.version), actions=[
                    Review.helpful_count.set(helpful), Review.version.add(1),
                    *sort_actions(review, True, int(review.rating), helpful)])
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            if ReviewMark.count(review.product_id, ReviewMark.mark == mark.mark, consistent_read=True):
                return review, False  # voted already (or a concurrent double click won)
            continue
        review.helpful_count = helpful
        return review, True
    raise AssertionError("unreachable")  # pragma: no cover


def report(user_id: str, ref: str, review_id: str, reason: str) -> bool:
    """Report a review to its creator (it stays visible until moderated). True when this report is new."""
    _, review = visible_review(ref, review_id, user_id)
    mark = ReviewMark(review.product_id, _mark("R", review, user_id), review_id=review_id, user_id=user_id,
                      reason=reason)
    try:
        with transaction() as tx:
            tx.save(mark, condition=ReviewMark.mark.does_not_exist())
            tx.update(review, condition=Review.review_id.exists(), actions=[
                Review.report_count.add(1), Review.moderation_status.set("reported")])
    except TransactWriteError as exc:
        if not condition_failed(exc):
            raise
        return False  # reported by this user already (or the review is gone)
    return True


def reports(creator_id: str, ref: str, limit: int, cursor: str | None) -> Page:
    """The creator's queue of reports on their product's reviews, oldest first (never the reporter's id)."""
    product = products.get_owned(creator_id, ref)
    page = paginate(lambda **kw: ReviewMark.query(product.product_id, ReviewMark.mark.startswith("R#"), **kw),
                    f"review-reports|{product.product_id}", cursor, limit)
    return Page([_report(mark) for mark in page.items], page.next_cursor)


def _report(mark: ReviewMark) -> dict[str, Any]:
    return {"review_id": mark.review_id, "reason": mark.reason or "", "created_at": mark.created_at}
