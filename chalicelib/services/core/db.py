"""Small DynamoDB helpers shared by services."""

from __future__ import annotations

from pynamodb.attributes import Attribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings

_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A TransactWrite on the process-wide connection (created lazily, reused across invocations)."""
    global _connection
    if _connection is None:
        _connection = Connection(region=get_settings().region)
    return TransactWrite(connection=_connection)


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """Each item's cancellation code (None where that item was fine), in the order PynamoDB sent them:
    condition checks, deletes, puts, then updates — not the order they were added."""
    return [reason.code if reason else None for reason in (getattr(error, "cancellation_reasons", None) or [])]


def put_once(record: Model, key: Attribute) -> bool:
    """Create `record` unless an item with its key exists; True when this call created it (race-safe)."""
    try:
        record.save(condition=key.does_not_exist())
        return True
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        return False
