"""Reviews of products by the people who hold them, and the marks left on reviews (helpful votes, reports).

A review's key is (product, `review_id`) where `review_id` is derived from the product and the reviewer
(`services.reviews.review_id_for`): one review per buyer per product is a conditional put on the key, and the
public id never names the reviewer. The listing indexes are sparse: a hidden review (its author's access was
refunded or lost in a dispute) has none of their sort keys, so every page lists visible reviews only.
"""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, LocalSecondaryIndex

from chalicelib.models.base import BaseModel, table_meta, utcnow


def _sorted_by(name: str, doc: str) -> type[LocalSecondaryIndex]:
    """A local index of a product's visible reviews ordered by the attribute `name` (sparse)."""
    meta = type("Meta", (), {"index_name": f"by_{name.removeprefix('sort_')}", "projection": AllProjection()})
    attrs = {"__doc__": doc, "Meta": meta, "product_id": UnicodeAttribute(hash_key=True),
             name: UnicodeAttribute(range_key=True)}
    return type(f"ReviewsBy{name.title().replace('_', '')}", (LocalSecondaryIndex,), attrs)


ReviewsByNew = _sorted_by("sort_new", "newest first: `<created_at>#<review_id>`")
ReviewsByHelpful = _sorted_by("sort_helpful", "most helpful first: `<helpful_count 10 digits>#<created_at>#<id>`")
ReviewsByRating = _sorted_by("sort_rating", "by rating, newest within one: `<rating>#<created_at>#<id>`")
ReviewsByRatingHelpful = _sorted_by("sort_rating_helpful", "one rating, most helpful first: "
                                    "`<rating>#<helpful_count 10 digits>#<created_at>#<id>`")


class Review(BaseModel):
    Meta = table_meta("reviews")

    product_id = UnicodeAttribute(hash_key=True)
    review_id = UnicodeAttribute(range_key=True)
    reviewer_id = UnicodeAttribute()
    creator_id = UnicodeAttribute()  # the product's creator: replies and the report queue are theirs
    rating = NumberAttribute()  # 1–5
    text = UnicodeAttribute(default="")
    reviewer_name = UnicodeAttribute()  # the display name at the time of writing (never the email)
    is_verified_buyer = BooleanAttribute(default=False)  # the reviewer's access came from a purchase or claim
    is_visible = BooleanAttribute(default=True)  # false while the reviewer's access is not active
    helpful_count = NumberAttribute(default=0)
    report_count = NumberAttribute(default=0)
    moderation_status = UnicodeAttribute(default="none")  # none | reported (stays visible until moderated)
    reply_text = UnicodeAttribute(null=True)  # the creator's one public reply
    reply_at = UTCDateTimeAttribute(null=True)
    reply_edited_at = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=1)  # +1 on every change: the condition of the next one
    created_at = UTCDateTimeAttribute(default=utcnow)
    edited_at = UTCDateTimeAttribute(null=True)  # the reviewer's last edit
    # Sort keys of the listing indexes, present only while the review is visible.
    sort_new = UnicodeAttribute(null=True)
    sort_helpful = UnicodeAttribute(null=True)
    sort_rating = UnicodeAttribute(null=True)
    sort_rating_helpful = UnicodeAttribute(null=True)

    by_new = ReviewsByNew()
    by_helpful = ReviewsByHelpful()
    by_rating = ReviewsByRating()
    by_rating_helpful = ReviewsByRatingHelpful()


class ReviewMark(BaseModel):
    """One user's mark on one review of a product: `H#<review>#<user>` a helpful vote, `R#<review>#<user>` a report
    (the product's partition, so the creator's report queue is one Query on `begins_with R#`)."""

    Meta = table_meta("review-marks")

    product_id = UnicodeAttribute(hash_key=True)
    mark = UnicodeAttribute(range_key=True)
    review_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)  # reports only
    created_at = UTCDateTimeAttribute(default=utcnow)
