"""The catalog: products, their unique slugs, and the explore listing.

`CatalogListing` is a write-time fan-out of each published product into one row per filter combination
("facet"), so every explore query is a single Query on one partition, sorted by the table's range key
(newest) or by the local index (price). See ARCHITECTURE.md, "Explore".
"""

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex

from chalicelib.models.base import BaseModel, TimestampedModel, table_meta


class ProductsByCreator(GlobalSecondaryIndex):
    """A creator's own products (drafts included), newest first."""

    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Product(TimestampedModel):
    # Its changes stream to the search indexer (services/search: Pipes → SQS FIFO → handlers/search_index).
    Meta = table_meta("products", stream_view_type=STREAM_NEW_AND_OLD_IMAGE)

    product_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    product_type = UnicodeAttribute()  # course | prompt_pack | template | ebook | bundle
    status = UnicodeAttribute(default="draft")  # draft | published | archived
    title = UnicodeAttribute()
    slug = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    pricing_type = UnicodeAttribute()  # fixed | free | pwyw
    price_cents = NumberAttribute(default=0)
    currency = UnicodeAttribute(default="USD")
    compare_at_price_cents = NumberAttribute(null=True)
    min_price_cents = NumberAttribute(null=True)  # pay-what-you-want floor
    refund_window_days = NumberAttribute(default=30)  # buyers may request a refund this long after paying
    learning_outcomes = ListAttribute(of=UnicodeAttribute, default=list)
    prerequisites = ListAttribute(of=UnicodeAttribute, default=list)
    cover_image_url = UnicodeAttribute(null=True)
    # Type-specific facts shown on the product page.
    page_count = NumberAttribute(null=True)  # ebook
    prompt_count = NumberAttribute(null=True)  # prompt_pack
    template_format = UnicodeAttribute(null=True)  # template
    # Denormalized course stats, maintained by the course builder.
    total_lessons = NumberAttribute(default=0)
    total_modules = NumberAttribute(default=0)
    total_duration_seconds = NumberAttribute(default=0)
    has_free_preview = BooleanAttribute(default=False)
    free_preview_lesson_count = NumberAttribute(default=0)
    # The course's current lesson ids (progress counts completed ∩ current) and the content version
    # the stats were computed from (older recomputations never overwrite newer ones).
    lesson_ids = UnicodeSetAttribute(default=set)
    stats_content_version = NumberAttribute(default=0)
    # A bundle's members: 2–20 of the creator's own published products (no bundles), in the creator's order.
    bundle_product_ids = ListAttribute(of=UnicodeAttribute, null=True)
    # Review aggregates of visible reviews, moved only by ADD in the review's transaction (`catalog.ratings`),
    # each with `version` +1 so a product write read before never puts stale counters back.
    rating_count = NumberAttribute(default=0)
    rating_sum = NumberAttribute(default=0)
    rating_1_count = NumberAttribute(default=0)
    rating_2_count = NumberAttribute(default=0)
    rating_3_count = NumberAttribute(default=0)
    rating_4_count = NumberAttribute(default=0)
    rating_5_count = NumberAttribute(default=0)
    published_at = UTCDateTimeAttribute(null=True)
    archived_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    by_creator = ProductsByCreator()


class ProductSlug(BaseModel):
    """Uniqueness guard for slugs: written in the same transaction as the product."""

    Meta = table_meta("product-slugs")

    slug = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute()


class ListingsByPrice(LocalSecondaryIndex):
    class Meta:
        index_name = "by_price"
        projection = AllProjection()

    facet = UnicodeAttribute(hash_key=True)
    sort_price = UnicodeAttribute(range_key=True)


class ListingsByRating(GlobalSecondaryIndex):
    """Explore by rating. Global (the table's local indexes cannot change once it exists); its sort key is
    refreshed after each review's commit (`catalog.ratings.refresh_listing`)."""

    class Meta:
        index_name = "by_rating"
        projection = AllProjection()

    facet = UnicodeAttribute(hash_key=True)
    sort_rating = UnicodeAttribute(range_key=True)


class CatalogListing(BaseModel):
    """One explore card of one published product under one facet (e.g. `type=course|pricing=*|creator=*`)."""

    Meta = table_meta("catalog-listings")

    facet = UnicodeAttribute(hash_key=True)
    sort_new = UnicodeAttribute(range_key=True)  # "<published_at iso>#<product_id>"
    sort_price = UnicodeAttribute()  # "<price_cents zero-padded>#<product_id>"
    sort_rating = UnicodeAttribute(null=True)  # "<average in hundredths, 3 digits>#<count, 10 digits>#<product_id>"
    rating_version = NumberAttribute(null=True)  # the product version `sort_rating` was computed from
    product_id = UnicodeAttribute()
    card = JSONAttribute()

    by_price = ListingsByPrice()
    by_rating = ListingsByRating()


class BundleMembership(BaseModel):
    """A member of a published bundle: written and deleted with the bundle's explore rows, so "is this product in a
    published bundle?" (before it may be archived or deleted) is one Query."""

    Meta = table_meta("bundle-memberships")

    member_id = UnicodeAttribute(hash_key=True)
    bundle_id = UnicodeAttribute(range_key=True)
    bundle_title = UnicodeAttribute()
