"""Product lounge rooms: one per published product, its members the holders of active access.

Membership is not stored: a member is a user whose access grant for the product is active (`access.grants`), so
it begins with fulfilment whatever the path, exactly once (one grant row per user and product), ends with a full
refund, pauses during a dispute and returns when it is won. The member count is access's exact holder count.
The room's row (its mode) is created on first use, idempotently (`put_once`); an archived product's room is
read-only. Posts are messages of the thread `room#<product_id>`.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import NotFound
from chalicelib.models import Message, Product, Room
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.accounts import users
from chalicelib.services.core.db import put_once
from chalicelib.services.core.ids import new_id
from chalicelib.services.messaging import contacts
from chalicelib.services.messaging.conversations import message_out, thread_page
from chalicelib.services.messaging.errors import PostingClosed

MODES = ("discussion", "announcements")


def thread_of(product_id: str) -> str:
    return f"room#{product_id}"


def _product(product_id: str) -> Product | None:
    if len(product_id) > 64:
        return None
    try:
        return Product.get(product_id)
    except DoesNotExist:
        return None


def _room(product: Product) -> Room:
    """The product's room, created on first use (idempotent: concurrent first uses create one)."""
    try:
        return Room.get(product.product_id)
    except DoesNotExist:
        put_once(Room(product.product_id, creator_id=product.creator_id, created_at=utcnow()), Room.product_id)
        return Room.get(product.product_id, consistent_read=True)


def _visible(user_id: str, product_id: str) -> tuple[Product, Room]:
    """The room of a published (or archived) product, for its creator and its members; anyone else 404. Its creator
    also reaches the room of a draft (to set its mode before launch): the room exists from the product's start."""
    product = _product(product_id)
    if product is None or (product.status == "draft" and product.creator_id != user_id):
        raise _not_found()
    if product.creator_id != user_id:
        held = grants.current_grant(user_id, product_id, consistent=False)
        if held is None or held.status != "active":
            raise _not_found()
    return product, _room(product)


def _not_found() -> NotFound:
    return NotFound("room not found")


def _can_post(user_id: str, product: Product, room: Room) -> bool:
    if product.status == "archived":
        return False
    return product.creator_id == user_id or room.mode == "discussion"


def room_out(user_id: str, product: Product, room: Room) -> dict[str, Any]:
    return {"product_id": product.product_id, "title": product.title,
            "creator": contacts.profiles([product.creator_id])[product.creator_id], "mode": room.mode,
            "member_count": grants.holder_count(product.product_id), "is_archived": product.status == "archived",
            "can_post": _can_post(user_id, product, room)}


def get(user_id: str, product_id: str) -> dict[str, Any]:
    product, room = _visible(user_id, product_id)
    return room_out(user_id, product, room)


def set_mode(user_id: str, product_id: str, mode: str) -> dict[str, Any]:
    """The creator makes the room a discussion (members post) or announcements only (only the creator posts)."""
    product, room = _visible(user_id, product_id)
    if product.creator_id != user_id:
        raise _not_found()
    if product.status == "archived":
        raise PostingClosed("the product is archived: its room is read-only")
    room.update(actions=[Room.mode.set(mode)])
    return room_out(user_id, product, room)


def posts(user_id: str, product_id: str, cursor: str | None, since: str | None, limit: int) -> dict[str, Any]:
    _visible(user_id, product_id)
    return thread_page(thread_of(product_id), f"room|{product_id}", cursor, since, limit)


def post(identity: Any, product_id: str, body: str) -> dict[str, Any]:
    """A member's post (a discussion room) or the creator's; the poster's display name is their profile's."""
    user_id = identity.user_id
    product, room = _visible(user_id, product_id)
    contacts.check_body(body)
    if not _can_post(user_id, product, room):
        raise PostingClosed("only the creator posts here" if product.status != "archived"
                            else "the product is archived: its room is read-only")
    contacts.count_send(user_id)
    users.ensure_user(user_id, identity.email, identity.name)
    message = Message(thread_of(product_id), new_id("msg"), sender_id=user_id, body=body, kind="post",
                      created_at=utcnow())
    message.save(condition=Message.message_id.does_not_exist())
    return message_out(message, contacts.profiles([user_id]))


def announce(creator_id: str, product_id: str, body: str, blast_id: str) -> None:
    """A blast's announcement in a room (once per blast and room: the id is derived from the blast)."""
    message = Message(thread_of(product_id), f"msg_{blast_id[4:]}", sender_id=creator_id, body=body,
                      kind="announcement", blast_id=blast_id, created_at=utcnow())
    put_once(message, Message.message_id)
