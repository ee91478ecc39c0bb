"""Users and creator accounts."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import Forbidden
from chalicelib.models import CreatorAccount, User
from chalicelib.services.core.db import put_once


def ensure_user(user_id: str, email: str | None, name: str | None) -> User:
    """The caller's user row, created on first sight."""
    try:
        return User.get(user_id)
    except DoesNotExist:
        put_once(User(user_id, email=email, display_name=name), User.user_id)
        return User.get(user_id, consistent_read=True)


def open_creator_account(
    user_id: str, email: str | None, display_name: str, bio: str | None
) -> tuple[CreatorAccount, bool]:
    """Make the user a creator. Idempotent: a second call returns the existing account unchanged."""
    ensure_user(user_id, email, display_name)
    created = put_once(CreatorAccount(user_id, display_name=display_name, bio=bio), CreatorAccount.user_id)
    return CreatorAccount.get(user_id, consistent_read=True), created


def get_creator_account(user_id: str) -> CreatorAccount | None:
    try:
        return CreatorAccount.get(user_id)
    except DoesNotExist:
        return None


def require_creator(user_id: str) -> CreatorAccount:
    account = get_creator_account(user_id)
    if account is None:
        raise Forbidden("open a creator account first (POST /v1/creator/account)")
    return account
