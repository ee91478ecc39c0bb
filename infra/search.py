"""Search indexing's AWS resources as plain data, shared by the CDK stack (`infra/stacks/search.py`) and the local
runtime (`local/resources.py`, `local/pipes.py`), like `infra/video.py`.

The products and product-files tables stream NEW_AND_OLD_IMAGES (declared on the models: `chalicelib/models/
catalog.py`, `deliverables.py`); one EventBridge pipe per table reads its stream and sends each record, unchanged, as
one message to the FIFO queue `search-index.fifo`, its message group the product id (both tables key on it: one
product's changes and its files' in order, one at a time) and its deduplication id the stream record's id (a pipe
retry is not indexed twice). `handlers/search_index.index_products` consumes it. Why a pipe and
a queue rather than a stream trigger: the same SQS consumer shape as every other worker (pumped locally the same
way, redrive and DLQ included), and `chalice deploy` needs only the queue's name, not the stream's ARN.
"""

from __future__ import annotations

from chalicelib.handlers.search_index import QUEUE_PURPOSE
from infra.video import QueueSpec

QUEUE = QueueSpec(QUEUE_PURPOSE, visibility_timeout_seconds=6 * 60, max_receive_count=5)
FIFO_ATTRIBUTES = {"FifoQueue": "true"}
SOURCE_TABLES = ("products", "product-files")  # the table suffixes whose streams feed the queue
BATCH_SIZE = 10  # records the pipe reads at once (each becomes one message)
STARTING_POSITION = "TRIM_HORIZON"  # a new pipe indexes what the stream still holds (24 h); `reindex` does the rest
MESSAGE_GROUP_ID = "$.dynamodb.Keys.product_id.S"
DEDUPLICATION_ID = "$.eventID"


def dlq_name(queue_name: str) -> str:
    """A FIFO queue's dead-letter queue is FIFO too, and every FIFO name ends in `.fifo`."""
    return queue_name.removesuffix(".fifo") + "-dlq.fifo"


def message_group(record: dict) -> str:
    """What MESSAGE_GROUP_ID selects from a stream record (the local pipe applies the same rule)."""
    return record["dynamodb"]["Keys"]["product_id"]["S"]
