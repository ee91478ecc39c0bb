"""Refund requests: a buyer asks, the order's creator approves (a Stripe Refund is issued) or denies.

Keyed by (`order_id`, `seq`): an order's requests live in one partition, numbered 1, 2, 3… A new request
is a conditional put of the next number after a strongly consistent read of the partition, and only the
latest request of an order can be open, so two concurrent requests can never both be created (one loses
the put: 409). `request_id` (`rr_<seq>_<order_id>`) is the public id and decodes back to the key.

Status: pending → approved (the refund is being issued) → refunded (Stripe refund id stored), or
pending → denied. `status_created` (`<status>#<created_at>`) keys the creator's queue index.
"""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.models.base import BaseModel, table_meta, utcnow


class RefundRequestsByCreator(GlobalSecondaryIndex):
    """A creator's requests by status, in creation order: `begins_with(status_created, "pending#")`."""

    class Meta:
        index_name = "by_creator_status"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    status_created = UnicodeAttribute(range_key=True)


class RefundRequest(BaseModel):
    Meta = table_meta("refund-requests")

    order_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    request_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")  # pending | approved | refunded | denied
    status_created = UnicodeAttribute()
    reason = UnicodeAttribute()
    amount_cents = NumberAttribute()  # what the buyer asked for
    approved_amount_cents = NumberAttribute(null=True)  # what the creator approved (fixed once approved)
    refund_id = UnicodeAttribute(null=True)  # the Stripe Refund, once issued
    refund_status = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)  # the creator's note when denying
    created_at = UTCDateTimeAttribute(default=utcnow)
    decided_at = UTCDateTimeAttribute(null=True)
    refunded_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)
    # What the buyer had consumed when asking (`commerce.refund_rules.consumption`), shown to the creator.
    consumed_percent = NumberAttribute(null=True)
    lessons_completed = NumberAttribute(null=True)
    video_watched_seconds = NumberAttribute(null=True)
    downloads = NumberAttribute(null=True)
    is_auto_approved = BooleanAttribute(default=False)  # approved by the product's refund rule

    by_creator_status = RefundRequestsByCreator()


class RefundRule(BaseModel):
    """A creator's rule for one product: refund requests made within `within_days` of payment by a buyer who consumed
    less than `max_consumed_percent` are approved at once (`commerce.refund_rules`)."""

    Meta = table_meta("refund-rules")

    product_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    within_days = NumberAttribute()
    max_consumed_percent = NumberAttribute()
    updated_at = UTCDateTimeAttribute(default=utcnow)
