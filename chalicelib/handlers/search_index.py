"""The search indexer (`search-index` FIFO queue, fed by EventBridge Pipes from the products and product-files tables'
streams; locally by `local.pipes`) and the `reindex` command for backfill and recovery.

Each SQS message body is one DynamoDB Streams record. A batch is applied in order; any error raises, so SQS
redelivers the batch (the FIFO group waits) and, after the queue's receive count, moves it to the DLQ.

    python -m chalicelib.handlers.search_index [--creator USER_ID] [--resume '<key printed by a previous run>']
"""

from __future__ import annotations

import argparse
import json
from typing import Any

QUEUE_PURPOSE = "search-index.fifo"  # `Settings.queue_name(QUEUE_PURPOSE)`: the queue the app listens on


def index_products(event: Any) -> None:
    from chalicelib.observability import logger
    from chalicelib.services.search import indexer

    applied = indexer.apply_records(json.loads(record.body) for record in event)
    logger.info("search index updated", extra={"upserted": applied.upserted, "removed": applied.removed,
                                               "stale": applied.stale})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.handlers.search_index",
                                     description="Rebuild the search indexes from the products table and the "
                                                 "products' files (resumable).")
    parser.add_argument("--creator", help="only this creator's products (a Query of by_creator, not a Scan)")
    parser.add_argument("--resume", type=json.loads, help="the resume key a previous run printed last")
    args = parser.parse_args(argv)
    from chalicelib.services.search import indexer

    for pages, resume in enumerate(indexer.reindex(args.creator, args.resume), start=1):
        print(json.dumps({"pages": pages, "resume": resume}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
