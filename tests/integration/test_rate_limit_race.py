"""The AI rate limit holds across concurrent callers (as separate Lambda instances would be): 40 simultaneous
requests of one creator against a limit of 10 in one window → exactly 10 pass, and the counter never passes 10.

Runs against moto in server mode (`moto_server`): the in-process mock is not thread-safe.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from chalicelib.errors import TooManyRequests

REQUESTS = 40
LIMIT = 10


def test_concurrent_requests_never_pass_the_limit(moto_server):
    from chalicelib.models.rate_limits import RateLimitWindow
    from chalicelib.services.core import rate_limit

    creator = f"alice-{uuid.uuid4().hex[:8]}"
    now = 1_800_000_000.0 + 5

    def attempt(_: int) -> str:
        try:
            rate_limit.hit("ai", creator, LIMIT, now=now)
            return "ok"
        except TooManyRequests as refused:
            assert refused.retry_after == 55
            return "refused"

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        results = list(pool.map(attempt, range(REQUESTS)))

    assert results.count("ok") == LIMIT and results.count("refused") == REQUESTS - LIMIT
    window = RateLimitWindow.get(f"ai#{creator}#{int(now) // 60 * 60}", consistent_read=True)
    assert window.hits == LIMIT  # refused requests count nothing
    assert window.expires_at.timestamp() > now + 60  # expires (TTL) after its window
    assert rate_limit.hit("ai", creator, LIMIT, now=now + 60) == 1  # a new window starts from zero
