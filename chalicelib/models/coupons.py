"""Coupons and their redemptions.

A coupon belongs to a creator: its key is (`creator_id`, `code`), so codes are unique per creator and a
checkout looks a code up under the product's creator only (another creator's codes are never consulted).
`redeemed` counts reservations and confirmed uses; it only moves inside a transaction with the redemption
record, conditioned on `redeemed < max_redemptions`, `is_active` and the expiry.

`coupon-redemptions` holds two kinds of items under one hash key `pk`:
- `O#<order_id>#<CODE>`: the order's redemption (`reserved → used`, or `released`): what release and
  confirm find from the ids the checkout knows;
- `U#<creator_id>#<CODE>#<buyer_id>`: the once-per-user guard, naming the order holding it; its
  conditional put is what makes "one use per buyer" atomic; release deletes it (only for its own order).
"""

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models.base import BaseModel, table_meta, utcnow


class Coupon(BaseModel):
    Meta = table_meta("coupons")

    creator_id = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)  # upper case A-Z 0-9 and '-'
    kind = UnicodeAttribute()  # percent | amount
    discount_percent = NumberAttribute(null=True, attr_name="percent_off")  # 1..100
    amount_off_cents = NumberAttribute(null=True)  # minor units of `currency`
    currency = UnicodeAttribute(null=True)
    product_id = UnicodeAttribute(null=True)  # None: every product of the creator
    expires_at = UTCDateTimeAttribute(null=True)
    max_redemptions = NumberAttribute(null=True)
    redeemed = NumberAttribute(default=0)
    is_once_per_user = BooleanAttribute(default=True, attr_name="once_per_user")
    is_active = BooleanAttribute(default=True, attr_name="active")
    created_at = UTCDateTimeAttribute(default=utcnow)
    deactivated_at = UTCDateTimeAttribute(null=True)


class CouponRedemption(BaseModel):
    Meta = table_meta("coupon-redemptions")

    pk = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    code = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # order items: reserved | used | released (guards carry none)
    guard_pk = UnicodeAttribute(null=True)  # order items: the once-per-user guard they hold, if any
    amount_off_cents = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
