"""The email outbox: one row per lifecycle email, written in the transaction of the event it reports."""

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.models.base import table_meta, utcnow


class OutboxMail(Model):
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
