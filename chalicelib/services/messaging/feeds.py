"""Newest-first lists with `since`: one Query per page, and a signed sync cursor for "only what is new".

Every list answers `sync_cursor` on its first page: the newest sort key it holds, signed and bound to the list
(like page cursors). A poller sends it back as `since` and gets only the items whose sort key is greater: one
Query, nothing read twice; the answer's own `sync_cursor` moves on (or stays when nothing is new).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.config import get_settings
from chalicelib.services.core.pagination import decode_cursor, encode_cursor, paginate


def _scope(scope: str) -> str:
    return f"since|{scope}"


def after(scope: str, since: str | None) -> str | None:
    """The sort key a `since` token carries (400 `invalid_cursor` when it was forged or is from another list)."""
    if not since:
        return None
    key = decode_cursor(since, _scope(scope), get_settings().secret("cursor_secret"))
    value = (key or {}).get("after")
    return value if isinstance(value, str) else None


def token(scope: str, newest: str) -> str | None:
    return encode_cursor({"after": newest}, _scope(scope), get_settings().secret("cursor_secret"))


def newest_first(query: Callable[[str | None], Callable[..., Iterable[Any]]], sort_key: Callable[[Any], str],
                 scope: str, cursor: str | None, since: str | None, limit: int) -> dict[str, Any]:
    """`query(after)` returns the PynamoDB query (newest first, only keys greater than `after` when given) that
    `paginate` runs. The page, its `next_cursor`, and on the first page the `sync_cursor`."""
    start = after(scope, since)
    page = paginate(query(start), f"{scope}|{start or ''}", cursor, limit)
    result: dict[str, Any] = {"items": page.items, "next_cursor": page.next_cursor, "sync_cursor": None}
    if cursor is None:
        result["sync_cursor"] = token(scope, sort_key(page.items[0]) if page.items else start or "")
    return result
