"""Pages over DynamoDB queries, with opaque, signed cursors over LastEvaluatedKey.

A cursor is bound to the query it came from (its `scope`), so it cannot be replayed against another
filter or sort, and its HMAC stops clients from forging keys into partitions they should not read.
Every list endpoint goes through `paginate`: decode the cursor → run one query → encode the next one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from chalicelib.config import get_settings
from chalicelib.errors import InvalidCursor

T = TypeVar("T")
Key = dict[str, Any]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        """The response body every list endpoint answers with."""
        return {"items": self.items, "next_cursor": self.next_cursor}


def paginate(query: Callable[..., Iterable[T]], scope: str, cursor: str | None, limit: int) -> Page[T]:
    """One page of a PynamoDB query: `query(**page)` receives `limit`, `page_size` and `last_evaluated_key`.

    `scope` names what the cursor may resume (e.g. `orders|<buyer>`); a cursor from another scope is 400.
    """
    secret = get_settings().secret("cursor_secret")
    results = query(limit=limit, page_size=limit, last_evaluated_key=decode_cursor(cursor, scope, secret))
    items = list(results)
    return Page(items, encode_cursor(getattr(results, "last_evaluated_key", None), scope, secret))


def _sign(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(last_key: Key | None, scope: str, secret: str) -> str | None:
    if not last_key:
        return None
    payload = json.dumps({"k": last_key, "s": scope}, separators=(",", ":"), sort_keys=True).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, payload)}"


def decode_cursor(cursor: str | None, scope: str, secret: str) -> Key | None:
    if not cursor:
        return None
    try:
        body, signature = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(payload)
        # Bytes, not str: compare_digest refuses non-ASCII strings (a TypeError, not a mismatch).
        signed = hmac.compare_digest(signature.encode(), _sign(secret, payload).encode())
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("invalid cursor") from exc
    if not signed or not isinstance(data, dict) or data.get("s") != scope or not isinstance(data.get("k"), dict):
        raise InvalidCursor("invalid cursor")
    return data["k"]
