"""Messaging: conversations and messages, rooms and posts, blasts, notifications, unsubscribe."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.schemas.common import PageQuery, StrictQuery

# Text is kept exactly as sent (no stripping); "\S" documents that a blank text is refused.
MessageText = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class ExactBody(BaseModel):
    """Like `StrictBody`, without stripping: a message is stored as sent."""

    model_config = ConfigDict(extra="forbid")


class ConversationStart(ExactBody):
    """`product_id`: the context. A buyer or prospect messages its creator; its creator names the buyer."""

    product_id: Id
    recipient_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    body: MessageText


class MessageCreate(ExactBody):
    body: MessageText


class ReadMark(ExactBody):
    """Everything up to `message_id` (default: the latest message) is read."""

    message_id: Id | None = None


class FeedQuery(PageQuery):
    since: str | None = None


class InboxQuery(FeedQuery):
    product_id: Annotated[str, Field(max_length=64)] | None = None
    is_unread: bool = False


class Party(BaseModel):
    user_id: str
    display_name: str
    handle: str | None = None
    avatar_url: str | None = None


class ConversationOut(BaseModel):
    conversation_id: str
    other_party: Party | None = None
    product_ids: list[str]
    unread_count: int
    last_message_preview: str | None = None
    last_sender_id: str | None = None
    last_message_at: datetime | None = None


class ConversationDetail(ConversationOut):
    is_blocked: bool


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None = None
    sync_cursor: str | None = None
    unread_count: int


class MessageOut(BaseModel):
    message_id: str
    sender_id: str
    sender_display_name: str | None = None
    body: str
    kind: Literal["message", "post", "announcement"]
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None = None
    sync_cursor: str | None = None


class RoomUpdate(ExactBody):
    mode: Literal["discussion", "announcements"]


class RoomOut(BaseModel):
    product_id: str
    title: str
    creator: Party
    mode: Literal["discussion", "announcements"]
    member_count: int
    is_archived: bool
    can_post: bool


class BlastCreate(ExactBody):
    product_ids: Annotated[list[Id], Field(min_length=1, max_length=20)]
    subject: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
    body: MessageText


class BlastOut(BaseModel):
    blast_id: str
    product_ids: list[str]
    subject: str
    body: str
    status: Literal["queued", "sending", "sent"]
    sent_count: int
    emailed_count: int
    suppressed_count: int
    created_at: datetime
    completed_at: datetime | None = None


class BlastPage(BaseModel):
    items: list[BlastOut]
    next_cursor: str | None = None


class NotificationOut(BaseModel):
    notification_id: str
    kind: Literal["message", "blast", "sale", "refund_request"]
    title: str
    preview: str
    actor_id: str | None = None
    conversation_id: str | None = None
    product_id: str | None = None
    blast_id: str | None = None
    created_at: datetime
    is_read: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None = None
    sync_cursor: str | None = None
    unread_count: int


class NotificationsRead(ExactBody):
    """One notification, or every one when `notification_id` is left out."""

    notification_id: Id | None = None


class UnreadCount(BaseModel):
    unread_count: int


class UnsubscribeQuery(StrictQuery):
    token: Annotated[str, Field(min_length=1, max_length=600)]


class Unsubscribed(BaseModel):
    creator_id: str
    is_unsubscribed: bool
