"""AI credit packs bought with Stripe: one row per checkout of a pack.

Amount, currency and tokens are copied from the pack catalogue at checkout (never from the client) and are what
the payment's webhook is checked against. Status: pending → paid → partially_refunded | refunded; pending → failed
(→ paid when the buyer pays the same intent with another card); pending | failed → mismatch (the payment did not
match the purchase: nothing credited); a refund seen before the payment's success is recorded on the unpaid row.
"""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.models.base import BaseModel, table_meta, utcnow


class PurchasesByPaymentIntent(GlobalSecondaryIndex):
    """`charge.refunded` names the PaymentIntent, and a charge need not carry the intent's metadata."""

    class Meta:
        index_name = "by_payment_intent"
        projection = KeysOnlyProjection()

    payment_intent_id = UnicodeAttribute(hash_key=True)


class CreditPurchase(BaseModel):
    Meta = table_meta("credit-purchases")

    purchase_id = UnicodeAttribute(hash_key=True)  # cp_<time><random>, or derived from the buyer's Idempotency-Key
    user_id = UnicodeAttribute()
    pack_id = UnicodeAttribute()
    tokens = NumberAttribute()
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    payment_intent_id = UnicodeAttribute(null=True)
    client_secret = UnicodeAttribute(null=True)  # handed back when the buyer retries with the same Idempotency-Key
    charge_id = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)  # failed: Stripe's decline code; mismatch: what did not match
    refunded_cents = NumberAttribute(default=0)  # Stripe's cumulative amount_refunded
    refund_tokens = NumberAttribute(default=0)  # what the refunds are worth: ⌈tokens × refunded / amount⌉
    clawed_back_tokens = NumberAttribute(default=0)  # taken back from the balance (or never credited); ≤ refund_tokens
    created_at = UTCDateTimeAttribute(default=utcnow)
    paid_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_payment_intent = PurchasesByPaymentIntent()
