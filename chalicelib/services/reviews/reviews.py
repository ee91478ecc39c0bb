"""Writing and reading reviews. Every write that moves the aggregates is one transaction with them
(`catalog.ratings.add`), conditioned on the review as read; a lost race re-reads and re-plans."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.errors import Conflict, NotFound
from chalicelib.models import AccessGrant, Review
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.accounts import users
from chalicelib.services.catalog import products, ratings
from chalicelib.services.core.db import condition_failed, lost_race, retry_on_conflict, transaction
from chalicelib.services.core.pagination import Page, paginate
from chalicelib.services.reviews.errors import NotABuyer, OwnerCannotReview, ReviewExists

_ATTEMPTS = 8
ANONYMOUS = "A buyer"  # shown when the reviewer has no display name (never their email)


def review_id_for(product_id: str, user_id: str) -> str:
    """One id per buyer and product (the uniqueness guard), which never names the reviewer."""
    return "rev_" + hashlib.sha256(f"{product_id}#{user_id}".encode()).hexdigest()[:32]


def sort_keys(rating: int, helpful: int, created_at: datetime, review_id: str) -> dict[str, str]:
    """The listing indexes' keys of a visible review (a hidden one has none: the indexes are sparse)."""
    at, votes = created_at.isoformat(), f"{int(helpful):010d}"
    return {"sort_new": f"{at}#{review_id}", "sort_helpful": f"{votes}#{at}#{review_id}",
            "sort_rating": f"{int(rating)}#{at}#{review_id}",
            "sort_rating_helpful": f"{int(rating)}#{votes}#{at}#{review_id}"}


def sort_actions(review: Review, visible: bool, rating: int, helpful: int) -> list[Any]:
    keys = sort_keys(rating, helpful, review.created_at, review.review_id)
    return [getattr(Review, name).set(value) if visible else getattr(Review, name).remove()
            for name, value in keys.items()]


def _too_busy() -> Conflict:
    return Conflict("too many simultaneous changes of this review; retry")


def _get(product_id: str, review_id: str) -> Review | None:
    try:
        return Review.get(product_id, review_id, consistent_read=True)
    except DoesNotExist:
        return None


def _holder_grant(user_id: str, product: dict[str, Any]) -> AccessGrant:
    """The caller's active grant (the condition of the write), or why they may not review."""
    if product["creator_id"] == user_id:
        raise OwnerCannotReview("you cannot review your own product")
    grant = grants.current_grant(user_id, product["product_id"])
    if grant is None or grant.status != "active":
        raise NotABuyer("only buyers with active access to this product can review it")
    return grant


def _grant_unchanged(grant: AccessGrant) -> Any:
    return AccessGrant.version == int(grant.version or 0) if grant.version else AccessGrant.version.does_not_exist()


def create(user_id: str, user_email: str | None, user_name: str | None, ref: str, rating: int, text: str) -> Review:
    """The caller's review (403 without active access or for the creator, 409 when they have one)."""
    product, _ = products.get_visible(ref, user_id)
    state = products.state_of(product)
    name = users.ensure_user(user_id, user_email, user_name).display_name or ANONYMOUS
    review_id = review_id_for(product.product_id, user_id)
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, _too_busy, max_delay=0.5):
        grant = _holder_grant(user_id, state)
        if _get(product.product_id, review_id) is not None:
            raise ReviewExists("you have reviewed this product already; edit or delete your review")
        now = utcnow()
        review = Review(product.product_id, review_id, reviewer_id=user_id, creator_id=product.creator_id,
                        rating=rating, text=text, reviewer_name=name, created_at=now, version=1,
                        is_verified_buyer=grant.access_type == "purchased",
                        **sort_keys(rating, 0, now, review_id))
        try:
            with transaction() as tx:
                tx.save(review, condition=Review.review_id.does_not_exist())
                tx.condition_check(AccessGrant, user_id, product.product_id, condition=_grant_unchanged(grant))
                ratings.add(tx, product.product_id, None, rating)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        ratings.refresh_listing(product.product_id)
        return review
    raise AssertionError("unreachable")  # pragma: no cover - retry_on_conflict raises when exhausted


def mine(user_id: str, ref: str) -> Review:
    """The caller's review (404 when they wrote none); the product's creator never has one (403, as for writing)."""
    product, _ = products.get_visible(ref, user_id)
    if product.creator_id == user_id:
        raise OwnerCannotReview("you cannot review your own product")
    review = _get(product.product_id, review_id_for(product.product_id, user_id))
    if review is None:
        raise NotFound("you have not reviewed this product")
    return review


def edit(user_id: str, ref: str, changes: dict[str, Any]) -> Review:
    """The author's edit (marked edited). Its visibility is re-read from the author's access, so an author whose
    access came back (a gift, a claim) makes a hidden review count again by editing it."""
    product, _ = products.get_visible(ref, user_id)
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, _too_busy, max_delay=0.5):
        review = mine(user_id, product.product_id)
        grant = grants.current_grant(user_id, product.product_id)
        visible = grant is not None and grant.status == "active"
        rating = int(changes.get("rating", review.rating))
        now = utcnow()
        actions = [Review.rating.set(rating), Review.text.set(changes.get("text", review.text)),
                   Review.edited_at.set(now), Review.is_visible.set(visible), Review.version.add(1),
                   *sort_actions(review, visible, rating, int(review.helpful_count))]
        try:
            with transaction() as tx:
                tx.update(review, actions=actions, condition=Review.version == int(review.version))
                if grant is not None:
                    tx.condition_check(AccessGrant, user_id, product.product_id, condition=_grant_unchanged(grant))
                before = int(review.rating) if review.is_visible else None
                if before != (rating if visible else None):
                    ratings.add(tx, product.product_id, before, rating if visible else None)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        ratings.refresh_listing(product.product_id)
        return mine(user_id, product.product_id)
    raise AssertionError("unreachable")  # pragma: no cover


def delete(user_id: str, ref: str) -> None:
    """The author deletes their review; a visible one leaves the aggregates in the same transaction."""
    product, _ = products.get_visible(ref, user_id)
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, _too_busy, max_delay=0.5):
        review = mine(user_id, product.product_id)
        try:
            with transaction() as tx:
                tx.delete(review, condition=Review.version == int(review.version))
                if review.is_visible:
                    ratings.add(tx, product.product_id, int(review.rating), None)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        ratings.refresh_listing(product.product_id)
        return
    raise AssertionError("unreachable")  # pragma: no cover


def visible_review(ref: str, review_id: str, viewer_id: str | None) -> tuple[dict[str, Any], Review]:
    """A visible review of a product the viewer may see (anything else: 404)."""
    product, _ = products.get_visible(ref, viewer_id)
    review = _get(product.product_id, review_id)
    if review is None or not review.is_visible:
        raise NotFound("review not found")
    return products.state_of(product), review


def reply(creator_id: str, ref: str, review_id: str, text: str) -> Review:
    """The creator's one public reply to a review of their product, written or edited (one UpdateItem)."""
    product = products.get_owned(creator_id, ref)
    review = _get(product.product_id, review_id)
    if review is None or not review.is_visible:
        raise NotFound("review not found")
    now = utcnow()
    when = Review.reply_edited_at.set(now) if review.reply_text is not None else Review.reply_at.set(now)
    try:
        review.update(actions=[Review.reply_text.set(text), when], condition=Review.review_id.exists())
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise NotFound("review not found") from None
    return review


# --- reads ---------------------------------------------------------------------------------------------------

SORTS = ("newest", "helpful", "highest", "lowest")


def list_reviews(ref: str, viewer_id: str | None, sort: str, rating: int | None, limit: int,
                 cursor: str | None) -> Page:
    """One Query of one sparse index (visible reviews only), whatever the number of reviews."""
    product, _ = products.get_visible(ref, viewer_id)
    pid = product.product_id

    def rows(**page: Any):
        if rating is not None:
            index = Review.by_rating_helpful if sort == "helpful" else Review.by_rating
            field = Review.sort_rating_helpful if sort == "helpful" else Review.sort_rating
            return index.query(pid, field.startswith(f"{rating}#"), scan_index_forward=sort == "lowest", **page)
        index = {"newest": Review.by_new, "helpful": Review.by_helpful}.get(sort, Review.by_rating)
        return index.query(pid, scan_index_forward=sort == "lowest", **page)

    return paginate(rows, f"reviews|{pid}|{sort}|{rating}", cursor, limit)


def public(review: Review) -> dict[str, Any]:
    """What anyone may read of a review: the reviewer's display name, never their id or email."""
    reply_out = None if review.reply_text is None else {
        "text": review.reply_text, "created_at": review.reply_at, "edited_at": review.reply_edited_at}
    return {"review_id": review.review_id, "product_id": review.product_id, "rating": int(review.rating),
            "text": review.text, "reviewer_name": review.reviewer_name, "is_verified_buyer": review.is_verified_buyer,
            "helpful_count": int(review.helpful_count), "created_at": review.created_at,
            "edited_at": review.edited_at, "is_edited": review.edited_at is not None, "reply": reply_out}
