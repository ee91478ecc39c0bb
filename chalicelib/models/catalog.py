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
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models.base import TimestampedModel, table_meta


class ProductsByCreator(GlobalSecondaryIndex):
    """A creator's own products (drafts included), newest first."""

    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Product(TimestampedModel):
    Meta = table_meta("products")

    product_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    product_type = UnicodeAttribute()  # course | prompt_pack | template | ebook
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
    published_at = UTCDateTimeAttribute(null=True)
    archived_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    by_creator = ProductsByCreator()


class ProductSlug(Model):
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


class CatalogListing(Model):
    """One explore card of one published product under one facet (e.g. `type=course|pricing=*|creator=*`)."""

    Meta = table_meta("catalog-listings")

    facet = UnicodeAttribute(hash_key=True)
    sort_new = UnicodeAttribute(range_key=True)  # "<published_at iso>#<product_id>"
    sort_price = UnicodeAttribute()  # "<price_cents zero-padded>#<product_id>"
    product_id = UnicodeAttribute()
    card = JSONAttribute()

    by_price = ListingsByPrice()
