"""Money: orders (one per checkout of a paid product) and the Stripe events already processed.

Amounts are integer minor units in the order's currency, copied from the product at checkout time
(never from the client). Status: pending → paid → refunded | partially_refunded | disputed, or failed /
abandoned / cancelled (by the buyer) when the payment never happens. A refund seen before the payment's success
is recorded on the pending order (`refunded_cents`), so the late success is recorded without granting access.
"""

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.models.base import BaseModel, table_meta, utcnow


class OrdersByBuyer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_buyer"
        projection = AllProjection()

    buyer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OrdersByCreator(GlobalSecondaryIndex):
    """A creator's sales, newest first (dashboard, revenue per day)."""

    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OrdersByPaymentIntent(GlobalSecondaryIndex):
    """Webhook events name the PaymentIntent; this finds its order."""

    class Meta:
        index_name = "by_payment_intent"
        projection = KeysOnlyProjection()

    payment_intent_id = UnicodeAttribute(hash_key=True)


PENDING_SHARDS = 4  # pending orders spread over this many GSI partitions (`pending_shard` "0".."3")


class PendingOrders(GlobalSecondaryIndex):
    """Sparse: only pending orders carry `pending_shard`, so the abandoned-order sweep reads exactly the
    pending ones, oldest first, per shard (Query `created_at < cutoff`), never a Scan."""

    class Meta:
        index_name = "pending"
        projection = KeysOnlyProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class Order(BaseModel):
    Meta = table_meta("orders")

    order_id = UnicodeAttribute(hash_key=True)
    buyer_id = UnicodeAttribute()
    buyer_email = UnicodeAttribute(null=True)  # from the verified token at checkout: where the receipt goes
    creator_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    product_type = UnicodeAttribute()
    bundle_product_ids = UnicodeSetAttribute(null=True)  # a bundle's members when it was bought: what it grants
    status = UnicodeAttribute(default="pending")
    currency = UnicodeAttribute()
    list_price_cents = NumberAttribute()  # the product's price (or the buyer's PWYW amount) before discounts
    discount_cents = NumberAttribute(default=0)
    amount_cents = NumberAttribute()  # what the buyer pays
    refunded_cents = NumberAttribute(default=0)
    # Stripe refunds counted one by one (the approval's answer, a webhook's refunds list) and their sum: a refund
    # id in the set is never counted again; `refunded_cents` = max(this sum, Stripe's cumulative amount_refunded)
    refund_ids = UnicodeSetAttribute(null=True)
    refund_ids_cents = NumberAttribute(default=0)
    platform_fee_cents = NumberAttribute(default=0)  # the platform's fee (services.payouts.fees), set at checkout
    creator_share_cents = NumberAttribute(null=True)  # amount − fee (None on orders older than payouts: derive it)
    refunded_fee_cents = NumberAttribute(default=0)  # the fee given back: round_half_up(fee × refunded / amount)
    destination_account_id = UnicodeAttribute(null=True)  # connect mode: the creator's Stripe account it pays
    coupon_code = UnicodeAttribute(null=True)
    payment_intent_id = UnicodeAttribute(null=True)
    charge_id = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    dispute_id = UnicodeAttribute(null=True)
    dispute_status = UnicodeAttribute(null=True)  # Stripe's: needs_response, …, won, lost
    pending_shard = UnicodeAttribute(null=True)  # set only while pending (sparse index `pending`)
    client_secret = UnicodeAttribute(null=True)  # the PaymentIntent's, handed back when the buyer retries checkout
    created_at = UTCDateTimeAttribute(default=utcnow)
    paid_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_buyer = OrdersByBuyer()
    by_creator = OrdersByCreator()
    by_payment_intent = OrdersByPaymentIntent()
    pending = PendingOrders()


class ProcessedEvent(BaseModel):
    """A Stripe event id, written with a conditional put when its effects are applied: exactly once."""

    Meta = table_meta("stripe-events")

    event_id = UnicodeAttribute(hash_key=True)
    event_type = UnicodeAttribute()
    processed_at = UTCDateTimeAttribute(default=utcnow)


class OpenCheckout(BaseModel):
    """At most one open checkout per buyer and product: a double click, a retry or a second tab gets the same
    pending order and PaymentIntent instead of a second charge (conditional put on the pair)."""

    Meta = table_meta("open-checkouts")

    buyer_product = UnicodeAttribute(hash_key=True)  # "<buyer_id>#<product_id>"
    order_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=utcnow)
