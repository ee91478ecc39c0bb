"""The inbox: each member's rows of a conversation (one per feed), their unread counts and the unread total.

A member's rows all carry the same state, written whole (SET, never ADD) by every change, conditioned on the
member's main row (`feed` = the user) still holding the unread count that was read: a concurrent change cancels
the transaction and the writer re-reads, so no count is lost. The unread total moves by the difference in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.models import InboxEntry
from chalicelib.services.messaging import feeds

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

TOTALS = "#totals"


@dataclass(frozen=True)
class Last:
    """The conversation's latest message, as every row shows it."""

    message_id: str
    sender_id: str
    preview: str
    at: datetime


def feeds_of(user_id: str, product_ids: set[str]) -> list[str]:
    """`<user>` (every conversation) and `<user>#<product>` for each product context (the product filter)."""
    return [user_id, *(f"{user_id}#{product_id}" for product_id in sorted(product_ids))]


def activity_key(at: datetime, conversation_id: str) -> str:
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{conversation_id}"


def main_rows(conversation_id: str, user_ids: list[str]) -> dict[str, InboxEntry]:
    """Each member's main row, read consistently (one BatchGetItem)."""
    rows = InboxEntry.batch_get([(user_id, conversation_id) for user_id in user_ids], consistent_read=True)
    return {row.feed: row for row in rows}


def write(tx: TransactWrite, user_id: str, other_id: str, conversation_id: str, product_ids: set[str],
          read: InboxEntry | None, unread: int, last: Last, last_read_message_id: str | None,
          emailed_at: datetime | None = None) -> None:
    """Every row of `user_id` for the conversation with this state, conditioned on the main row as `read`, and
    the unread total moved by the difference; `emailed_at` marks the main row when a new-message email goes."""
    key = activity_key(last.at, conversation_id)
    actions = [InboxEntry.user_id.set(user_id), InboxEntry.other_id.set(other_id), InboxEntry.activity_key.set(key),
               InboxEntry.product_ids.set(product_ids),
               InboxEntry.unread_count.set(unread), InboxEntry.last_message_preview.set(last.preview),
               InboxEntry.last_sender_id.set(last.sender_id), InboxEntry.last_message_at.set(last.at),
               InboxEntry.unread_activity_key.set(key) if unread else InboxEntry.unread_activity_key.remove()]
    if last_read_message_id:
        actions.append(InboxEntry.last_read_message_id.set(last_read_message_id))
    for feed in feeds_of(user_id, product_ids):
        condition, extra = None, []
        if feed == user_id:
            condition = (InboxEntry.unread_count == int(read.unread_count or 0)) if read else \
                InboxEntry.feed.does_not_exist()
            extra = [InboxEntry.emailed_at.set(emailed_at)] if emailed_at else []
        tx.update(InboxEntry(feed, conversation_id), actions=[*actions, *extra], condition=condition)
    delta = unread - (int(read.unread_count or 0) if read else 0)
    if delta:
        tx.update(InboxEntry(user_id, TOTALS), actions=[InboxEntry.user_id.set(user_id),
                                                         InboxEntry.unread_count.add(delta)])


def unread_total(user_id: str) -> int:
    rows = list(InboxEntry.batch_get([(user_id, TOTALS)]))
    return int(rows[0].unread_count or 0) if rows else 0


def entry_out(row: InboxEntry, people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"conversation_id": row.conversation_id, "other_party": people.get(row.other_id or ""),
            "product_ids": sorted(row.product_ids or ()), "unread_count": int(row.unread_count or 0),
            "last_message_preview": row.last_message_preview, "last_sender_id": row.last_sender_id,
            "last_message_at": row.last_message_at}


def list_feed(user_id: str, product_id: str | None, is_unread: bool, cursor: str | None, since: str | None,
              limit: int) -> dict[str, Any]:
    """A feed's conversations, latest activity first (one Query on an LSI; `is_unread`: the sparse one)."""
    feed = f"{user_id}#{product_id}" if product_id else user_id
    index = InboxEntry.unread_by_activity if is_unread else InboxEntry.by_activity
    attribute = InboxEntry.unread_activity_key if is_unread else InboxEntry.activity_key

    def query(start: str | None):
        condition = attribute > start if start else None
        return lambda **kw: index.query(feed, condition, scan_index_forward=False, **kw)

    scope = f"inbox|{feed}|{'unread' if is_unread else 'all'}"
    return feeds.newest_first(query, lambda row: getattr(row, attribute.attr_name), scope, cursor, since, limit)
