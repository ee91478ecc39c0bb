"""Who the parties are and what they refuse: display profiles (never emails), blocks, unsubscribes, limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import InvalidInput
from chalicelib.models import ContactPreference, CreatorAccount, User
from chalicelib.services.core import rate_limit

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

MAX_BODY_CHARS = 4000
SEND_PER_MINUTE = 20  # messages and posts per user and minute
PROSPECT_NEW_PER_DAY = 5  # new conversations a non-buyer may start per day
DAY_SECONDS = 24 * 60 * 60
PREVIEW_CHARS = 140


def check_body(body: str) -> str:
    """Text only, stored exactly as sent: not empty or blank, at most `MAX_BODY_CHARS` characters."""
    if not body.strip():
        raise InvalidInput("a message needs some text", [{"loc": ["body", "body"], "msg": "blank"}])
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(f"a message holds at most {MAX_BODY_CHARS} characters",
                           [{"loc": ["body", "body"], "msg": "too long"}])
    return body


def preview(body: str) -> str:
    return " ".join(body.split())[:PREVIEW_CHARS]


def count_send(user_id: str) -> None:
    """Everyone's per-minute limit on messages and posts (429 with Retry-After)."""
    rate_limit.hit("messages", user_id, SEND_PER_MINUTE)


def count_new_conversation(user_id: str) -> None:
    """A prospect's daily limit on starting conversations (429 with Retry-After)."""
    rate_limit.hit("new-conversations", user_id, PROSPECT_NEW_PER_DAY, window_seconds=DAY_SECONDS)


def profiles(user_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Public display data of each user: the creator profile's name, handle and avatar when they are a creator,
    else the user's display name. Two BatchGetItems whatever the number (≤ 100 ids); emails never leave."""
    keys = sorted(set(user_ids))
    if not keys:
        return {}
    found = {user_id: {"user_id": user_id, "display_name": "Member", "handle": None, "avatar_url": None}
             for user_id in keys}
    for user in User.batch_get(keys, attributes_to_get=["user_id", "display_name"]):
        found[user.user_id]["display_name"] = user.display_name or "Member"
    for account in CreatorAccount.batch_get(keys, attributes_to_get=["user_id", "display_name", "handle",
                                                                      "avatar_url"]):
        found[account.user_id].update(display_name=account.display_name, handle=account.handle,
                                      avatar_url=account.avatar_url)
    return found


def block_key(other_id: str) -> str:
    return f"block#{other_id}"


def unsubscribe_key(creator_id: str) -> str:
    return f"unsubscribe#{creator_id}"


def blocked_by(user_id: str, other_id: str) -> bool:
    """Did `user_id` block `other_id`? One GetItem."""
    try:
        ContactPreference.get(user_id, block_key(other_id))
    except DoesNotExist:
        return False
    return True


def neither_blocked(tx: TransactWrite, a: str, b: str) -> None:
    """Conditions of `tx`: no block either way (a block that lands first cancels the message: nothing stored)."""
    for user_id, other_id in ((a, b), (b, a)):
        tx.condition_check(ContactPreference, user_id, block_key(other_id),
                           condition=ContactPreference.user_id.does_not_exist())


def set_block(user_id: str, other_id: str, blocked: bool) -> None:
    if blocked:
        ContactPreference(user_id, block_key(other_id)).save()
    else:
        ContactPreference(user_id, block_key(other_id)).delete()


def unsubscribed(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (user, creator) pairs refuse the creator's announcement emails: one BatchGetItem per 100 pairs."""
    keys = [(user_id, unsubscribe_key(creator_id)) for user_id, creator_id in pairs]
    return {(row.user_id, row.preference.split("#", 1)[1]) for row in ContactPreference.batch_get(keys)}


def unsubscribe(user_id: str, creator_id: str) -> None:
    ContactPreference(user_id, unsubscribe_key(creator_id)).save()
