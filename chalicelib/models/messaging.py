"""Creator–buyer communication: conversations, the inbox, messages and room posts, rooms, contact preferences
(blocks, unsubscribes), blasts with their recipient markers, and notifications. The protocol is in
`services/messaging/__init__.py`; each table below is shaped by the reads it serves.
"""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex

from chalicelib.models.base import BaseModel, table_meta, utcnow


class Conversation(BaseModel):
    """One per pair of users (`cnv_` + a hash of the sorted pair): starting it twice finds the same row."""

    Meta = table_meta("conversations")

    conversation_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()  # the creator side of the first product context
    member_id = UnicodeAttribute()  # the other side (a buyer or a prospect)
    product_ids = UnicodeSetAttribute(default=set)  # product contexts, the first one and every later one
    last_message_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)


class InboxByActivity(LocalSecondaryIndex):
    """A feed's conversations, most recent activity first."""

    class Meta:
        index_name = "by_activity"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    activity_key = UnicodeAttribute(range_key=True)


class InboxUnreadByActivity(LocalSecondaryIndex):
    """Sparse: only the entries with unread messages carry `unread_activity_key`."""

    class Meta:
        index_name = "unread_by_activity"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    unread_activity_key = UnicodeAttribute(range_key=True)


class InboxEntry(BaseModel):
    """A member's view of a conversation, once per feed: `<user>` (every conversation) and `<user>#<product>` (each
    product context, the inbox's product filter). The row `(<user>, "#totals")` holds the user's unread total."""

    Meta = table_meta("inbox")

    feed = UnicodeAttribute(hash_key=True)
    conversation_id = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    other_id = UnicodeAttribute(null=True)
    product_ids = UnicodeSetAttribute(null=True)  # the conversation's product contexts
    activity_key = UnicodeAttribute(null=True)  # `<last activity ISO>#<conversation_id>`
    unread_activity_key = UnicodeAttribute(null=True)  # = activity_key while unread_count > 0
    unread_count = NumberAttribute(default=0)
    last_read_message_id = UnicodeAttribute(null=True)
    last_message_preview = UnicodeAttribute(null=True)
    last_sender_id = UnicodeAttribute(null=True)
    last_message_at = UTCDateTimeAttribute(null=True)
    emailed_at = UTCDateTimeAttribute(null=True)  # the member's last new-message email for it (main row only)

    by_activity = InboxByActivity()
    unread_by_activity = InboxUnreadByActivity()


class Message(BaseModel):
    """A direct message (`thread_id` = the conversation) or a room post (`room#<product_id>`); ids sort by time."""

    Meta = table_meta("messages")

    thread_id = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)
    sender_id = UnicodeAttribute()
    body = UnicodeAttribute()  # stored as sent; never rendered as HTML by the API
    kind = UnicodeAttribute(default="message")  # message | post | announcement
    blast_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)


class Room(BaseModel):
    """A published product's lounge. Members are not stored here: a member is a holder of an active grant."""

    Meta = table_meta("rooms")

    product_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    mode = UnicodeAttribute(default="discussion")  # discussion | announcements
    created_at = UTCDateTimeAttribute(default=utcnow)


class ContactPreference(BaseModel):
    """What a user refuses: `block#<user>` (no messages either way), `unsubscribe#<creator>` (no blast email)."""

    Meta = table_meta("contact-preferences")

    user_id = UnicodeAttribute(hash_key=True)
    preference = UnicodeAttribute(range_key=True)
    created_at = UTCDateTimeAttribute(default=utcnow)


class BlastsByCreator(GlobalSecondaryIndex):
    """A creator's blasts, newest first (sparse: recipient markers carry no `creator_id`)."""

    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class BlastItem(BaseModel):
    """A blast (`sk` = `#blast`: its text, targets, status and counts) and its recipient markers (`sk` =
    `R#<user>`, put once with the recipient's notification: the exactly-once guard across products and
    redeliveries)."""

    Meta = table_meta("blasts")

    blast_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    creator_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    product_ids = UnicodeSetAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    body = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)  # blast: queued | sending | sent
    sent_count = NumberAttribute(null=True)  # in-app notifications
    emailed_count = NumberAttribute(null=True)
    suppressed_count = NumberAttribute(null=True)  # no email: unsubscribed or no address
    completed_at = UTCDateTimeAttribute(null=True)
    api_base_url = UnicodeAttribute(null=True)  # where the emails' unsubscribe links point
    email = UnicodeAttribute(null=True)  # recipient marker: sending | pending | sent | none
    claimed_at = UTCDateTimeAttribute(null=True)  # recipient marker: when a worker took the email to send it

    by_creator = BlastsByCreator()


class Notification(BaseModel):
    """A user's notifications, newest first (ids sort by time); `(<user>, "#state")` holds the unread count."""

    Meta = table_meta("notifications")

    user_id = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(null=True)  # message | blast | sale | refund_request
    title = UnicodeAttribute(null=True)
    preview = UnicodeAttribute(null=True)
    actor_id = UnicodeAttribute(null=True)
    conversation_id = UnicodeAttribute(null=True)
    product_id = UnicodeAttribute(null=True)
    blast_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    read_at = UTCDateTimeAttribute(null=True)
    unread_count = NumberAttribute(null=True)  # the state row
    read_through = UnicodeAttribute(null=True)  # the state row: everything up to this id is read
