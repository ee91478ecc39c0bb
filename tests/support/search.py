"""Search under test: a fresh embedded index per test, and the source tables' streams carried to it exactly as the local
runtime does (`local.pipes.StreamPipe` → the FIFO queue in moto → the event pump's poll → the app's handler)."""

from __future__ import annotations

from typing import Any


def fresh_engine() -> Any:
    """A new in-memory embedded engine as the process's engine (what `integrations.search.engine()` returns)."""
    from chalicelib.integrations.search import engines

    engines.engine.cache_clear()
    return engines.engine()


class Indexing:
    """`sync()` moves every stream record written so far through the pipe and the queue into the index."""

    def __init__(self) -> None:
        from app import app
        from local.pipes import StreamPipe
        from local.pump import Pump
        from local.resources import create_search_queue

        create_search_queue()
        self.engine = fresh_engine()
        self.pipe = StreamPipe.for_stage("us-east-1")
        self.pump = Pump(app, stage="test", region="us-east-1")
        self.queue = next(queue for queue in self.pump.queues if queue.name == "index_products")

    def sync(self) -> int:
        """The number of records carried; fails if the handler failed on any batch."""
        moved = self.pipe.pump_once()
        handled = 0
        while (count := self.pump.poll_queue(self.queue)) > 0:
            handled += count
        assert handled == moved, f"{moved} record(s) sent, {handled} handled: the indexer failed (see the log)"
        return moved
