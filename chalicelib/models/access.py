"""Who may use which product: one row per user and product, its status derived from its sources.

Checkout, gifts and promotions add sources; refunds and disputes change the status of the order's own source, so
one purchase's refund never takes away the access another purchase (or a gift) gives. A course's free-preview
learner has a row too (status `preview`, no source), so their library lists it.

`last_activity_at` is the library's sort key: granting sets it and every progress update or quiz attempt
bumps it (in the same transaction), so "my library, most recently used first" is one Query on the
`by_activity` local index, paginated, with no per-item reads.
"""

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex

from chalicelib.models.base import BaseModel, table_meta, utcnow

HOLDER_SHARDS = 4  # rows per product's holder count: concurrent purchases of one product rarely meet on one row


class GrantsByProduct(GlobalSecondaryIndex):
    """Who holds a product (creator's customer list; 'has anyone access?' before a delete)."""

    class Meta:
        index_name = "by_product"
        projection = KeysOnlyProjection()

    product_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class GrantsByActivity(LocalSecondaryIndex):
    """A user's library, most recently used first. Local (same partition as the user's grants), so it
    can be read consistently; all attributes are projected because the library shows each of them."""

    class Meta:
        index_name = "by_activity"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    last_activity_at = UTCDateTimeAttribute(range_key=True)


class AccessGrant(BaseModel):
    Meta = table_meta("access-grants")

    user_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    creator_id = UnicodeAttribute()
    access_type = UnicodeAttribute()  # purchased | gifted | promotional | preview: the best active source's
    status = UnicodeAttribute(default="active")  # active | suspended | revoked | preview, derived from `sources`
    # Where the access comes from, source id → active | suspended | revoked: `order:<order_id>` (a purchase, a
    # 100 % coupon), `claim` (a free claim), `gifted`, `promotional`. Empty: a free-preview learner's library row.
    sources = MapAttribute(null=True)
    version = NumberAttribute(default=0)  # +1 on every change of `sources`: the condition of the next change
    granted_at = UTCDateTimeAttribute(default=utcnow)
    last_activity_at = UTCDateTimeAttribute(default=utcnow)

    by_product = GrantsByProduct()
    by_activity = GrantsByActivity()


class ProductHolders(BaseModel):
    """How many users hold active access to a product, over `HOLDER_SHARDS` rows (the shard is a hash of the user):
    each row moves by ±1 inside the transaction that moves a grant's status to or from active, so the sum is exact
    and reading it costs one BatchGetItem whatever the number of holders (a lounge room's member count)."""

    Meta = table_meta("product-holders")

    product_id = UnicodeAttribute(hash_key=True)
    shard = NumberAttribute(range_key=True)
    holder_count = NumberAttribute(default=0)
