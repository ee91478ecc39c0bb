"""Per-caller rate limits that hold across Lambda instances: a fixed window per caller and minute in DynamoDB.

Each request is one UpdateItem: `ADD hits 1` on `<scope>#<caller>#<window start>`, conditioned on the window
having fewer than `limit` hits, so concurrent requests can never count past the limit and a refused request
counts nothing. The refusal says when the window ends (`Retry-After`). A fixed window lets a burst of up to
2 × limit straddle a window boundary; that is the accepted price of one write per request. Rows carry a TTL.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError

from chalicelib.config import get_settings
from chalicelib.errors import TooManyRequests
from chalicelib.models.rate_limits import RateLimitWindow
from chalicelib.observability import Metric, count
from chalicelib.services.core.db import condition_failed

WINDOW_SECONDS = 60
EXPIRY_SLACK_SECONDS = 3600  # DynamoDB deletes expired rows lazily; the key's window start keeps them harmless


def hit(scope: str, subject: str, limit: int, *, window_seconds: int = WINDOW_SECONDS,
        now: float | None = None) -> int:
    """Count one request of `subject` to `scope`; how many this window holds now. 429 once `limit` were counted."""
    now = time.time() if now is None else now
    start = int(now // window_seconds) * window_seconds
    window = RateLimitWindow(f"{scope}#{subject}#{start}")
    expires = datetime.fromtimestamp(start + window_seconds + EXPIRY_SLACK_SECONDS, UTC)
    try:
        window.update(actions=[RateLimitWindow.hits.add(1), RateLimitWindow.expires_at.set(expires)],
                      condition=RateLimitWindow.hits.does_not_exist() | (RateLimitWindow.hits < limit))
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        count(Metric.RATE_LIMIT_REFUSALS)
        raise TooManyRequests(f"at most {limit} {scope} requests per {window_seconds} seconds; try again shortly",
                              retry_after=max(1, math.ceil(start + window_seconds - now))) from None
    return int(window.hits)


def ai_request(user_id: str) -> int:
    """The creator's AI endpoints share one limit (`AI_RATE_LIMIT_PER_MINUTE`)."""
    return hit("ai", user_id, get_settings().ai_rate_limit_per_minute)
