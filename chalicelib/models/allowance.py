"""The AI allowance: its tiers, the calendar-month period rule, the reset index and the token ledger.

The allowance counters live on `CreatorAccount` (models/users.py) and purchased credits on `User`; this module
holds what they share with the ledger, so the models never import a service.

`ai-ledger` holds two kinds of rows under the user's partition:
- `R#<request_id>`: one AI call, `reserved → committed | released` (a released one may be reserved again: a
  failed call can be retried with the same idempotency key). While reserved it carries `inflight_shard`, so
  reservations whose Lambda died are found through the sparse `in_flight` index and released (never a Scan).
- `C#<reference>`: one movement of purchased credits: a purchase (kind `credit`, its conditional put is what makes
  `add_credits` idempotent) or a refund taking unspent credits back (kind `clawback`, negative tokens).
Every row is also in `by_created` (user, created time) so the usage ledger reads newest first in one Query; that
index projects the row's figures but never the stored `result`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection

from chalicelib.models.base import BaseModel, table_meta, utcnow

TIER_TOKENS: dict[str, int | None] = {"starter": 1_000_000, "pro": 5_000_000, "unlimited": None}
DEFAULT_TIER = "starter"
RESET_SHARDS = 4  # accounts spread over this many `allowance_resets` partitions ("0".."3")
INFLIGHT_SHARDS = 4  # reserved ledger rows spread over this many `in_flight` partitions


def random_shard(shards: int) -> str:
    """A shard for a sparse index: only spreads writes, so it need not be derivable from the key."""
    return str(secrets.randbelow(shards))


def next_reset(moment: datetime) -> datetime:
    """00:00 UTC on the 1st of the month after `moment`'s: the calendar-month rule of the allowance period."""
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def period_after(due: datetime, now: datetime) -> tuple[datetime, datetime]:
    """(start, end) of the period containing `now` once the one ending at `due` is over. Counted in whole months
    from `due`, not from `now`, so a late run never shifts the dates; months nobody used are skipped."""
    start, end = due, next_reset(due)
    while end <= now:
        start, end = end, next_reset(end)
    return start, end


class AllowanceResets(GlobalSecondaryIndex):
    """Creator accounts by reset date, per shard: the monthly reset Queries `reset_date <= now` (never a Scan).
    Sparse: accounts without allowance fields (opened before the allowance existed) are initialized on first use."""

    class Meta:
        index_name = "allowance_resets"
        projection = KeysOnlyProjection()

    ai_reset_shard = UnicodeAttribute(hash_key=True)
    ai_allowance_reset_date = UTCDateTimeAttribute(range_key=True)


class InFlightReservations(GlobalSecondaryIndex):
    """Sparse: only reserved ledger rows carry `inflight_shard`; the sweep Queries those older than the lease."""

    class Meta:
        index_name = "in_flight"
        projection = KeysOnlyProjection()

    inflight_shard = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


LEDGER_FIELDS = ("kind", "status", "request_id", "reference", "feature", "model", "reserved_tokens", "tokens_total",
                 "tokens_from_allowance", "tokens_from_credits", "committed_at", "released_at")


class LedgerByCreated(GlobalSecondaryIndex):
    """A user's ledger newest first (`GET /v1/creator/ai/usage`): the sort key of the table is the request id,
    which says nothing about time. Only the figures are projected: results (up to a model answer each) stay out."""

    class Meta:
        index_name = "by_created"
        projection = IncludeProjection(list(LEDGER_FIELDS))

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AiLedgerEntry(BaseModel):
    Meta = table_meta("ai-ledger")

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # R#<request_id> (an AI call) | C#<reference> (a credit movement)
    kind = UnicodeAttribute()  # call | credit | clawback
    status = UnicodeAttribute()  # calls: reserved | committed | released; credit movements: committed
    request_id = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    feature = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    # The reservation: the call's maximum, split allowance first, the rest from credits.
    reserved_tokens = NumberAttribute(null=True)
    reserved_from_allowance = NumberAttribute(null=True)
    reserved_from_credits = NumberAttribute(null=True)
    # What was charged (committed calls; 0 for released ones; ± the credits moved for credit rows).
    tokens_total = NumberAttribute(null=True)
    tokens_from_allowance = NumberAttribute(null=True)
    tokens_from_credits = NumberAttribute(null=True)
    period_end = UTCDateTimeAttribute(null=True)  # the account's reset date when reserved: the period it counts in
    result = JSONAttribute(null=True)  # a committed call's result, returned again for a retried request
    error = UnicodeAttribute(null=True)
    inflight_shard = UnicodeAttribute(null=True)  # set only while reserved (sparse index `in_flight`)
    created_at = UTCDateTimeAttribute(default=utcnow)
    committed_at = UTCDateTimeAttribute(null=True)
    released_at = UTCDateTimeAttribute(null=True)

    in_flight = InFlightReservations()
    by_created = LedgerByCreated()
