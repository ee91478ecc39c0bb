"""Who may use which product. Checkout, gifts and promotions write grants; reads check them."""

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.models.base import table_meta, utcnow


class GrantsByProduct(GlobalSecondaryIndex):
    """Who holds a product (creator's customer list; 'has anyone access?' before a delete)."""

    class Meta:
        index_name = "by_product"
        projection = KeysOnlyProjection()

    product_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class AccessGrant(Model):
    Meta = table_meta("access-grants")

    user_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    creator_id = UnicodeAttribute()
    access_type = UnicodeAttribute()  # purchased | gifted | promotional | free
    status = UnicodeAttribute(default="active")  # active | revoked | suspended
    granted_at = UTCDateTimeAttribute(default=utcnow)

    by_product = GrantsByProduct()
