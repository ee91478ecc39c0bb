"""The local EventBridge pipes: the DynamoDB streams of the search's source tables → the `search-index.fifo` queue.

moto serves DynamoDB Streams (describe_stream, get_shard_iterator, get_records) but has no Pipes, so this does what
the pipes of `infra/search.py` do on AWS (one per source table: products, product-files): read each shard from
TRIM_HORIZON, and send every record as one message (the record itself, as JSON) with the product id as message group
and the record id as deduplication id. The event pump's SQS poller then calls the very handler Lambda would. A record
is sent before its iterator moves on, so a crash sends it again at worst (the deduplication id and the indexer's
versions absorb that).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

from infra import search as spec

log = logging.getLogger("local.pipes")
SQS_BATCH = 10
SHARD_REFRESH_SECONDS = 5.0  # how often the shard list is re-read (records are read at every poll)


class StreamPipe:
    """Every source table's stream into the queue, table after table (one object: the pump runs it on one thread)."""

    def __init__(self, table_names: tuple[str, ...], queue_name: str, region: str,
                 clients: tuple[Any, Any, Any] | None = None):
        import boto3

        self.table_names, self.queue_name = table_names, queue_name
        self._dynamodb, self._streams, self._sqs = clients or (
            boto3.client("dynamodb", region_name=region), boto3.client("dynamodbstreams", region_name=region),
            boto3.client("sqs", region_name=region))
        self._queue_url: str | None = None
        # (stream ARN, shard id) → next iterator (None: the shard is closed); moto names every table's shard alike
        self._iterators: dict[tuple[str, str], str | None] = {}
        self._shards_read_at: float | None = None

    @classmethod
    def for_stage(cls, region: str) -> StreamPipe:
        from chalicelib.config import get_settings
        from chalicelib.handlers.search_index import QUEUE_PURPOSE

        settings = get_settings()
        return cls(tuple(f"{settings.table_prefix}-{table}" for table in spec.SOURCE_TABLES),
                   settings.queue_name(QUEUE_PURPOSE), region)

    def stream_arn(self, table_name: str) -> str:
        return self._dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]

    def _shards(self) -> None:
        """Start reading any shard not seen yet (moto keeps one per table; AWS splits them over time). Re-read every
        few seconds, not at every poll: an idle runtime then makes 2 calls per poll instead of 6 (its CPU)."""
        now = time.monotonic()
        if self._shards_read_at is not None and now - self._shards_read_at < SHARD_REFRESH_SECONDS:
            return
        self._shards_read_at = now
        for table_name in self.table_names:
            arn = self.stream_arn(table_name)
            for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                if (arn, shard["ShardId"]) not in self._iterators:
                    self._iterators[arn, shard["ShardId"]] = self._streams.get_shard_iterator(
                        StreamArn=arn, ShardId=shard["ShardId"],
                        ShardIteratorType=spec.STARTING_POSITION)["ShardIterator"]

    def pump_once(self) -> int:
        """Move what the streams hold now into the queue; the number of records sent."""
        if self._queue_url is None:
            self._queue_url = self._sqs.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        self._shards()
        sent = 0
        for shard, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            page = self._streams.get_records(ShardIterator=iterator, Limit=spec.BATCH_SIZE * SQS_BATCH)
            records = [_as_json(record) for record in page["Records"]]
            for start in range(0, len(records), SQS_BATCH):
                batch = records[start:start + SQS_BATCH]
                answer = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=[
                    {"Id": str(index), "MessageBody": json.dumps(record), "MessageGroupId": spec.message_group(record),
                     "MessageDeduplicationId": record["eventID"]} for index, record in enumerate(batch)])
                if answer.get("Failed"):
                    raise RuntimeError(f"the search queue refused records: {answer['Failed']}")
            sent += len(records)
            self._iterators[shard] = page.get("NextShardIterator")
        return sent


def _as_json(record: dict[str, Any]) -> dict[str, Any]:
    """A record as Pipes delivers it: JSON, the creation time in epoch seconds."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": change}
