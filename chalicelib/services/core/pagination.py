"""Opaque, signed cursors over DynamoDB's LastEvaluatedKey.

A cursor is bound to the query it came from (its `scope`), so it cannot be replayed against another
filter or sort, and its HMAC stops clients from forging keys into partitions they should not read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chalicelib.errors import BadRequest


def _sign(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode_cursor(last_key: dict[str, Any] | None, scope: str, secret: str) -> str | None:
    if not last_key:
        return None
    payload = json.dumps({"k": last_key, "s": scope}, separators=(",", ":"), sort_keys=True).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, payload)}"


def decode_cursor(cursor: str | None, scope: str, secret: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        body, signature = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(payload)
    except (ValueError, TypeError) as exc:
        raise BadRequest("invalid cursor") from exc
    expected = _sign(secret, payload)
    if not hmac.compare_digest(signature, expected) or data.get("s") != scope:
        raise BadRequest("invalid cursor")
    return data["k"]
