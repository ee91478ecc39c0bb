"""Count DynamoDB API calls with a botocore event hook, per operation.

The handler is added to botocore's BUILTIN_HANDLERS (the list every new botocore Session registers),
the same way moto installs its stubber. PynamoDB gives each Connection its own Session, so this is the
one place that sees every client: each model's connection and the shared TransactWrite connection.
It must be installed before the first client is created; importing this module installs it.

`before-call` fires once per API call (retries are not recounted), before moto's `before-send` stub.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator

from botocore.handlers import BUILTIN_HANDLERS

EVENT = "before-call.dynamodb"


class CallCounter:
    def __init__(self) -> None:
        self._active: list[Counter[str]] = []
        self.total_seen = 0  # every call since install, recording or not: proves the hook is attached

    def __call__(self, model, **_kwargs) -> None:
        self.total_seen += 1
        for counter in self._active:
            counter[model.name] += 1

    @contextlib.contextmanager
    def record(self) -> Iterator[Counter[str]]:
        """Count the DynamoDB calls made inside the block (nested blocks each see their own calls)."""
        counter: Counter[str] = Counter()
        self._active.append(counter)
        try:
            yield counter
        finally:
            # by identity: Counters compare by content, and two empty ones are equal
            self._active[:] = [active for active in self._active if active is not counter]


COUNTER = CallCounter()
if (EVENT, COUNTER) not in BUILTIN_HANDLERS:
    BUILTIN_HANDLERS.append((EVENT, COUNTER))


def breakdown(counts: Counter[str]) -> str:
    """`3 (GetItem:2, Query:1)`: the total, then each operation, most frequent first."""
    if not counts:
        return "0"
    parts = ", ".join(f"{name}:{count}" for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{sum(counts.values())} ({parts})"
