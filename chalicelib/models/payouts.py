"""Creators' payouts: their Stripe Connect account, their monthly statements and the payouts Stripe made to them.

Amounts are integer minor units beside their currency. Statement counters move only by ADD, in the transaction of
the order event that changes them (`services.payouts.statements`).
"""

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex

from chalicelib.models.base import BaseModel, table_meta, utcnow


class AccountsByStripeId(GlobalSecondaryIndex):
    """Connect events name the connected account (`acct_…`); this finds its creator."""

    class Meta:
        index_name = "by_stripe_account"
        projection = KeysOnlyProjection()

    stripe_account_id = UnicodeAttribute(hash_key=True)


class PayoutAccount(BaseModel):
    """One per creator: their Stripe Express account (created once, by onboarding) and its state as the latest
    `account.updated` event described it (`state_event_created`: that event's `created`, so older events are
    ignored)."""

    Meta = table_meta("payout-accounts")

    creator_id = UnicodeAttribute(hash_key=True)
    stripe_account_id = UnicodeAttribute(null=True)
    is_details_submitted = BooleanAttribute(default=False)
    is_charges_enabled = BooleanAttribute(default=False)
    is_payouts_enabled = BooleanAttribute(default=False)
    requirements_due = ListAttribute(of=UnicodeAttribute, default=list)
    state_event_created = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    by_stripe_account = AccountsByStripeId()


class StatementRow(BaseModel):
    """A creator's money in one currency: per month (`period_currency` = `<YYYY-MM>#<CUR>`) and all-time
    (`ALL#<CUR>`, the balance the platform holds for them in `platform_collects` mode). Counters only."""

    Meta = table_meta("payout-statements")

    creator_id = UnicodeAttribute(hash_key=True)
    period_currency = UnicodeAttribute(range_key=True)
    orders = NumberAttribute(default=0)
    gross_cents = NumberAttribute(default=0)
    fees_cents = NumberAttribute(default=0)
    refunds_cents = NumberAttribute(default=0)
    refunded_fees_cents = NumberAttribute(default=0)
    dispute_losses_cents = NumberAttribute(default=0)
    net_cents = NumberAttribute(default=0)


class PayoutsByCreated(LocalSecondaryIndex):
    """A creator's payouts newest first: `sort_created` = `<created ISO>#<payout id>`."""

    class Meta:
        index_name = "recent"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    sort_created = UnicodeAttribute(range_key=True)


class Payout(BaseModel):
    """One Stripe payout to a creator's bank (`payout.paid` / `payout.failed`), keyed by Stripe's payout id."""

    Meta = table_meta("payouts")

    creator_id = UnicodeAttribute(hash_key=True)
    payout_id = UnicodeAttribute(range_key=True)
    sort_created = UnicodeAttribute()
    status = UnicodeAttribute()  # paid | failed (final)
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    arrival_at = UTCDateTimeAttribute(null=True)
    failure_code = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    recent = PayoutsByCreated()
