"""Shared PynamoDB settings: table names come from the stage prefix, endpoints from the environment, and one
botocore client for every table.

botocore honours `AWS_ENDPOINT_URL`, which is how the local runtime points every model at moto.

PynamoDB gives each model class its own connection, and each connection builds its own botocore Session and
client on first use (~0.2–0.3 s: the Session loads botocore's endpoint and service data). A request touching five
tables paid that five times on a cold Lambda, and the local runtime ~14 s at start for its 45 tables. Every model
derives from `BaseModel`, whose connection takes the one process-wide client instead (botocore clients are
thread-safe; its pool is sized for a threaded server). `TransactWrite` connections take it too
(`services.core.db`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.config import get_settings

POOL_CONNECTIONS = 50  # one HTTP pool for every table: as many connections as concurrent requests a process serves

_client_lock = threading.Lock()
_client: Any = None


def shared_client(connection: Connection) -> Any:
    """The process's DynamoDB client, made on first use by `connection` with PynamoDB's own settings."""
    global _client
    with _client_lock:
        if _client is None:
            connection._max_pool_connections = POOL_CONNECTIONS
            _client = connection.client
        return _client


def forget_shared_client() -> None:
    """The next connection makes a new client (tests: a new endpoint, or a hook that is read at client creation)."""
    global _client
    with _client_lock:
        _client = None


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_meta(suffix: str, **options: str) -> type:
    """A PynamoDB `Meta` for the stage's table `<prefix>-<suffix>` (on-demand billing), plus `options` such as
    `stream_view_type` (a table whose changes are streamed)."""
    settings = get_settings()
    return type("Meta", (), {
        "table_name": f"{settings.table_prefix}-{suffix}",
        "region": settings.region,
        "billing_mode": "PAY_PER_REQUEST",
        **options,
    })


class BaseModel(Model):
    """Every table's model: PynamoDB's model with the one shared client."""

    class Meta:
        abstract = True

    @classmethod
    def _get_connection(cls) -> Any:
        connection = super()._get_connection()
        if connection.connection._client is None:
            connection.connection._client = shared_client(connection.connection)
        return connection


class TimestampedModel(BaseModel):
    """Base for records that carry created/updated times."""

    class Meta:
        abstract = True

    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
