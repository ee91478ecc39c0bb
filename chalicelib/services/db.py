"""Small DynamoDB helpers shared by services."""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings

_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A TransactWrite on the process-wide connection (created lazily, reused across invocations)."""
    global _connection
    if _connection is None:
        _connection = Connection(region=get_settings().region)
    return TransactWrite(connection=_connection)
