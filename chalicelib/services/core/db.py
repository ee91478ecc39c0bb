"""The DynamoDB mechanics every service shares: transactions, conditional puts, failure predicates, retries.

- `transaction()`: a TransactWrite on the process-wide connection.
- `condition_failed(exc)`: a write (single item or transaction) was refused by its condition.
- `lost_race(exc)`: refused by a condition or cancelled by a concurrent transaction: re-read and try again.
- `retry_on_conflict(attempts, base_delay, exhausted)`: the one optimistic-write loop, with jittered backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

from pynamodb.attributes import Attribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.models.base import shared_client

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"

_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A TransactWrite on the process-wide connection (created lazily, reused across invocations), which uses the
    models' one botocore client (`models.base.shared_client`)."""
    global _connection
    if _connection is None:
        connection = Connection(region=get_settings().region)
        connection._client = shared_client(connection)
        _connection = connection
    return TransactWrite(connection=_connection)


def cancellation_codes(error: Exception) -> list[str | None]:
    """Each item's cancellation code (None where that item was fine), in the order PynamoDB sent them:
    condition checks, deletes, puts, then updates — not the order they were added."""
    return [reason.code if reason else None for reason in (getattr(error, "cancellation_reasons", None) or [])]


def condition_failed(exc: Exception) -> bool:
    """True when DynamoDB refused the write because a condition did not hold (one item or any in a transaction)."""
    if isinstance(exc, TransactWriteError):
        return CONDITION_FAILED in cancellation_codes(exc)
    return getattr(exc, "cause_response_code", None) == f"{CONDITION_FAILED}Exception"


def lost_race(exc: Exception) -> bool:
    """True when another writer got there first: a condition failed, or a concurrent transaction conflicted."""
    return (condition_failed(exc) or TRANSACTION_CONFLICT in cancellation_codes(exc)
            or getattr(exc, "cause_response_code", None) == f"{TRANSACTION_CONFLICT}Exception")


def retry_on_conflict(attempts: int, base_delay: float, exhausted: Callable[[], Exception],
                      max_delay: float = 0.2) -> Iterator[int]:
    """Attempt numbers for an optimistic write loop (`for attempt in retry_on_conflict(...)`): the body re-reads,
    writes and returns on success, or continues after a lost race. Between attempts it sleeps a full-jitter
    backoff (uniform in [0, min(max_delay, base_delay·2ⁿ)]); when the attempts run out it raises `exhausted()`."""
    for attempt in range(attempts):
        if attempt:
            time.sleep(random.uniform(0, min(max_delay, base_delay * 2 ** attempt)))  # noqa: S311 - jitter
        yield attempt
    raise exhausted()


def put_once(record: Model, key: Attribute) -> bool:
    """Create `record` unless an item with its key exists; True when this call created it (race-safe)."""
    try:
        record.save(condition=key.does_not_exist())
        return True
    except PutError as exc:
        if not condition_failed(exc):
            raise
        return False
