"""Shared PynamoDB settings: table names come from the stage prefix, endpoints from the environment.

botocore honours `AWS_ENDPOINT_URL`, which is how the local runtime points every model at moto.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.config import get_settings


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


class TimestampedModel(Model):
    """Base for records that carry created/updated times."""

    class Meta:
        abstract = True

    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)
