"""Display names and the creators' public profiles: handles (unique), bio, avatar, links. Never the email.

A handle is claimed by a conditional put of its `CreatorHandle` row in the same transaction that updates the
account (guarded by the handle the update was computed from); changing or clearing it deletes the old row in that
transaction, so a handle is always owned by exactly one account or free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.errors import Conflict
from chalicelib.models import CreatorAccount, CreatorHandle, User
from chalicelib.services.accounts.errors import CreatorNotFound, HandleTaken
from chalicelib.services.accounts.users import ensure_user, require_creator
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction

PROFILE_FIELDS = ("display_name", "bio", "handle", "avatar_url", "links")
CARD_FIELDS = ("user_id", "display_name", "handle", "avatar_url")  # what a product card shows of its creator
ATTEMPTS = 4


def set_display_name(user_id: str, email: str | None, name: str | None, display_name: str) -> User:
    """The caller's own display name (printed on certificates)."""
    user = ensure_user(user_id, email, name)
    user.update(actions=[User.display_name.set(display_name)])
    return User.get(user_id, consistent_read=True)


def update_profile(user_id: str, changes: dict[str, Any]) -> CreatorAccount:
    """Apply `changes` (a subset of PROFILE_FIELDS; None clears a nullable field) to the caller's creator account.
    A handle taken by someone else is 409 `handle_taken` and nothing changes."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if not changes:  # an empty update writes nothing (DynamoDB refuses an update without actions)
        return require_creator(user_id)
    for _ in retry_on_conflict(ATTEMPTS, 0.01, _changed_meanwhile):
        account = require_creator(user_id)
        old, new = account.handle, changes.get("handle", account.handle)
        # the read handle guards the write: a concurrent handle change makes us recompute
        guard = CreatorAccount.handle == old if old else CreatorAccount.handle.does_not_exist()
        actions = [getattr(CreatorAccount, name).remove() if value is None else getattr(CreatorAccount, name).set(value)
                   for name, value in changes.items()]
        try:
            with transaction() as tx:
                tx.update(account, actions=actions, condition=guard)
                if new != old and new:
                    tx.save(CreatorHandle(new, user_id=user_id), condition=CreatorHandle.handle.does_not_exist())
                if new != old and old:
                    tx.delete(CreatorHandle(old), condition=CreatorHandle.user_id == user_id)
        except (TransactWriteError, UpdateError) as exc:
            if not lost_race(exc):
                raise
            if new != old and new and _owner_of(new) not in (None, user_id):
                raise HandleTaken(f"the handle '{new}' is taken") from exc
            continue
        return CreatorAccount.get(user_id, consistent_read=True)


def _changed_meanwhile() -> Conflict:
    return Conflict("the profile changed meanwhile; reload and retry")


def _owner_of(handle: str) -> str | None:
    try:
        return CreatorHandle.get(handle, consistent_read=True).user_id
    except DoesNotExist:
        return None


def public_profile(ref: str) -> dict[str, Any]:
    """A creator by user id or handle (an id wins: nobody can take over another creator's id as a handle)."""
    account = _account(ref)
    if account is None:
        owner = _owner_of(ref.lower()) if len(ref) <= 64 else None
        account = _account(owner) if owner else None
    if account is None:
        raise CreatorNotFound("creator not found")
    return profile_of(account)


def creator_profile(user_id: str) -> dict[str, Any] | None:
    """The public profile of a known creator id (one GetItem), None when the account is gone."""
    account = _account(user_id)
    return profile_of(account) if account else None


def _account(user_id: str) -> CreatorAccount | None:
    try:
        return CreatorAccount.get(user_id)
    except DoesNotExist:
        return None


def profile_of(account: CreatorAccount) -> dict[str, Any]:
    return {"user_id": account.user_id, "display_name": account.display_name, "handle": account.handle,
            "bio": account.bio, "avatar_url": account.avatar_url, "links": list(account.links or [])}


def card_profiles(user_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The card-sized profile of each creator of a page: ONE BatchGetItem whatever the page holds (≤ 100 ids)."""
    keys = sorted(set(user_ids))
    if not keys:
        return {}
    accounts = CreatorAccount.batch_get(keys, attributes_to_get=list(CARD_FIELDS))
    return {a.user_id: {name: getattr(a, name) for name in CARD_FIELDS} for a in accounts}
