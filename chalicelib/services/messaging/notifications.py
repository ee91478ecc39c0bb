"""Notifications: written inside the transaction of what they report, read newest first with an unread count.

The user's state row (`#state`) keeps `unread_count` (+1 with each notification, in its transaction) and
`read_through` (marking all read sets it to the newest id and the count to 0). A notification is read when its
`read_at` is set or its id is at most `read_through`; marking one read is conditioned on it being unread by both
rules, so the count never goes below what is really unread.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.errors import Conflict, NotFound
from chalicelib.models import Notification
from chalicelib.models.base import utcnow
from chalicelib.services.core.db import condition_failed, lost_race, retry_on_conflict, transaction
from chalicelib.services.core.ids import new_id
from chalicelib.services.messaging import feeds

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

STATE = "#state"
KINDS = ("message", "blast", "sale", "refund_request")  # sales and refund requests: commerce
_ATTEMPTS = 6


def add(tx: TransactWrite, user_id: str, kind: str, title: str, preview: str, now: datetime,
        **refs: str | None) -> str:
    """A notification for `user_id`, inside `tx` (with its unread count): its id."""
    notification_id = new_id("ntf")
    tx.save(Notification(user_id, notification_id, kind=kind, title=title, preview=preview, created_at=now,
                         **{name: value for name, value in refs.items() if value is not None}),
            condition=Notification.notification_id.does_not_exist())
    tx.update(Notification(user_id, STATE), actions=[Notification.unread_count.add(1)])
    return notification_id


def _state(user_id: str) -> Notification | None:
    try:
        return Notification.get(user_id, STATE, consistent_read=True)
    except DoesNotExist:
        return None


def unread_count(user_id: str) -> int:
    state = _state(user_id)
    return int(state.unread_count or 0) if state else 0


def out(row: Notification, read_through: str | None) -> dict[str, Any]:
    return {"notification_id": row.notification_id, "kind": row.kind, "title": row.title, "preview": row.preview,
            "actor_id": row.actor_id, "conversation_id": row.conversation_id, "product_id": row.product_id,
            "blast_id": row.blast_id, "created_at": row.created_at,
            "is_read": row.read_at is not None or (read_through is not None and row.notification_id <= read_through)}


def list_for(user_id: str, cursor: str | None, since: str | None, limit: int) -> dict[str, Any]:
    """Newest first (one Query) with the unread count and the read mark (one GetItem)."""
    def query(start: str | None):
        key = Notification.notification_id > start if start else Notification.notification_id.startswith("ntf_")
        return lambda **kw: Notification.query(user_id, key, scan_index_forward=False, **kw)

    page = feeds.newest_first(query, lambda row: row.notification_id, f"notifications|{user_id}", cursor, since,
                              limit)
    state = _state(user_id)
    read_through = state.read_through if state else None
    page["items"] = [out(row, read_through) for row in page["items"]]
    page["unread_count"] = int(state.unread_count or 0) if state else 0
    return page


def mark_read(user_id: str, notification_id: str | None) -> dict[str, Any]:
    """One notification, or (without an id) all of them: the unread count after."""
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, lambda: Conflict("notifications changed meanwhile; retry")):
        state = _state(user_id)
        read_through = state.read_through if state else None
        try:
            with transaction() as tx:
                if notification_id is None:
                    _all_read(tx, user_id, state)
                else:
                    _one_read(tx, user_id, notification_id, read_through)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            if notification_id is not None and condition_failed(exc) and _exists(user_id, notification_id):
                break  # read already (or by a mark-all meanwhile): nothing to count down
            continue
        break
    return {"unread_count": unread_count(user_id)}


def _all_read(tx: TransactWrite, user_id: str, state: Notification | None) -> None:
    newest = next(iter(Notification.query(user_id, Notification.notification_id.startswith("ntf_"),
                                          scan_index_forward=False, limit=1)), None)
    condition = (Notification.unread_count == int(state.unread_count or 0)) if state else \
        Notification.user_id.does_not_exist()
    actions = [Notification.unread_count.set(0)]
    if newest is not None:
        actions.append(Notification.read_through.set(newest.notification_id))
    tx.update(Notification(user_id, STATE), actions=actions, condition=condition)


def _one_read(tx: TransactWrite, user_id: str, notification_id: str, read_through: str | None) -> None:
    if not notification_id.startswith("ntf_") or len(notification_id) > 64:
        raise NotFound("notification not found")
    unread = Notification.read_at.does_not_exist()
    if read_through is not None:
        unread &= Notification.notification_id > read_through
    tx.update(Notification(user_id, notification_id), actions=[Notification.read_at.set(utcnow())],
              condition=Notification.notification_id.exists() & unread)
    tx.update(Notification(user_id, STATE), actions=[Notification.unread_count.add(-1)])


def _exists(user_id: str, notification_id: str) -> bool:
    """After a refused mark: it exists, so it was read already (True); or it does not (404)."""
    try:
        Notification.get(user_id, notification_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("notification not found") from None
    return True
