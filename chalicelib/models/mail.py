"""The email outbox: one row per lifecycle email, written in the transaction of the event it reports."""

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.models.allowance import random_shard
from chalicelib.models.base import BaseModel, table_meta, utcnow

UNSENT_SHARDS = 4  # unsent mails spread over this many GSI partitions (`unsent_shard` "0".."3")


class UnsentMails(GlobalSecondaryIndex):
    """Sparse: only mails not yet sent or skipped carry `unsent_shard`, so the retry sweep reads exactly those,
    oldest first, per shard (Query `created_at < cutoff`), never a Scan."""

    class Meta:
        index_name = "unsent"
        projection = KeysOnlyProjection()

    unsent_shard = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OutboxMail(BaseModel):
    """`mail_id` is derived from the event (`receipt:<order_id>`, `completion:<certificate_id>`…), so the event's
    exactly-once transaction writes it once; `status` pending → sending → sent | skipped (no address, opted out).
    Rows expire through DynamoDB TTL on `expires_at` (90 days)."""

    Meta = table_meta("mail-outbox")

    mail_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    user_id = UnicodeAttribute()  # the recipient (their address and preferences are read when it is sent)
    to_address = UnicodeAttribute(null=True)  # the address the event knew (a checkout's token), before the user's
    params = JSONAttribute()  # the template's values, fixed when the event happened
    status = UnicodeAttribute(default="pending")
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(default=utcnow)
    claimed_at = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    unsent_shard = UnicodeAttribute(null=True, default_for_new=lambda: random_shard(UNSENT_SHARDS))

    unsent = UnsentMails()
