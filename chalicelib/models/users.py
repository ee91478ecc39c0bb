"""People: every signed-in user, and the creator account a user opens to sell."""

from pynamodb.attributes import (
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.models.allowance import (
    DEFAULT_TIER,
    RESET_SHARDS,
    TIER_TOKENS,
    AllowanceResets,
    next_reset,
    random_shard,
)
from chalicelib.models.base import BaseModel, TimestampedModel, table_meta, utcnow


class User(TimestampedModel):
    """One row per identity (`sub` of the JWT), created on first authenticated call."""

    Meta = table_meta("users")

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)
    email_opt_outs = UnicodeSetAttribute(null=True)  # the optional email categories the user turned off
    # Purchased AI credits in tokens; moves only by ADD in the ledger's transactions (absent on old rows = 0).
    ai_credit_balance = NumberAttribute(null=True, default_for_new=0)


class CreatorAccount(TimestampedModel):
    """Opening one turns a user into a creator, with the AI allowance of the starter tier for the current period.

    The allowance fields move only through `services/allowance.py` (UpdateItem with ADD and conditions): never
    `save()` a loaded account, it would write stale counters back. Accounts opened before the allowance existed
    lack them and are initialized on first use.
    """

    Meta = table_meta("creator-accounts")

    user_id = UnicodeAttribute(hash_key=True)
    # The public profile (`GET /v1/creators/{id or handle}`, embedded in product pages and explore cards).
    display_name = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
    handle = UnicodeAttribute(null=True)  # unique: its `CreatorHandle` row is written in the same transaction
    avatar_url = UnicodeAttribute(null=True)
    links = JSONAttribute(null=True)  # [{"label": str, "url": "https://…"}]

    ai_allowance_tier = UnicodeAttribute(null=True, default_for_new=DEFAULT_TIER)
    ai_allowance_tokens = NumberAttribute(null=True, default_for_new=lambda: TIER_TOKENS[DEFAULT_TIER])  # None: no cap
    ai_tokens_used = NumberAttribute(null=True, default_for_new=0)  # committed from the allowance this period
    ai_tokens_reserved = NumberAttribute(null=True, default_for_new=0)  # in flight from the allowance this period
    # used + reserved, kept as its own counter because a condition cannot add two attributes:
    # a reservation of n is conditioned on `ai_tokens_held <= allowance - n`.
    ai_tokens_held = NumberAttribute(null=True, default_for_new=0)
    ai_usage_by_feature = MapAttribute(null=True, default_for_new=dict)  # feature -> tokens committed this period
    ai_period_start = UTCDateTimeAttribute(null=True, default_for_new=utcnow)
    ai_allowance_reset_date = UTCDateTimeAttribute(null=True, default_for_new=lambda: next_reset(utcnow()))
    ai_next_tier = UnicodeAttribute(null=True)  # a downgrade waiting for the next reset
    ai_reset_shard = UnicodeAttribute(null=True, default_for_new=lambda: random_shard(RESET_SHARDS))

    allowance_resets = AllowanceResets()


class CreatorHandle(BaseModel):
    """Uniqueness guard for creator handles (`handle` → owner): put if absent with the account's update, and deleted
    in the transaction that changes or clears the handle."""

    Meta = table_meta("creator-handles")

    handle = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
