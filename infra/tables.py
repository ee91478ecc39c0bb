"""DynamoDB tables built from the PynamoDB models, so the app, the local emulator and AWS agree on keys and indexes."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct
from pynamodb.attributes import Attribute, TTLAttribute
from pynamodb.indexes import Index, LocalSecondaryIndex
from pynamodb.models import Model

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}


def _keys(attributes: dict[str, Attribute]) -> dict[str, dynamodb.Attribute]:
    """`partition_key`/`sort_key` from the attributes flagged `hash_key`/`range_key` (tables and indexes alike)."""
    keys = {}
    for attribute in attributes.values():
        if attribute.is_hash_key or attribute.is_range_key:
            role = "partition_key" if attribute.is_hash_key else "sort_key"
            keys[role] = dynamodb.Attribute(name=attribute.attr_name, type=_TYPES[attribute.attr_type])
    return keys


def ttl_attribute(model: type[Model]) -> str | None:
    """The model's `TTLAttribute` (DynamoDB allows one per table): rows expire through TTL on it."""
    names = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return names[0] if names else None


def table_props(model: type[Model]) -> dict[str, Any]:
    """Keyword arguments of `dynamodb.Table` for the model: its stage table name, keys, billing mode and TTL."""
    props = {
        "table_name": model.Meta.table_name,
        **_keys(model.get_attributes()),
        "billing_mode": dynamodb.BillingMode[model.Meta.billing_mode],
        "point_in_time_recovery_specification": dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
    }
    if ttl := ttl_attribute(model):
        props["time_to_live_attribute"] = ttl
    if stream := getattr(model.Meta, "stream_view_type", None):  # a table whose changes are consumed (search)
        props["stream"] = dynamodb.StreamViewType[stream]
    return props


def index_props(index: Index) -> dict[str, Any]:
    """Keyword arguments of `add_global_secondary_index`, or of `add_local_secondary_index` for an LSI."""
    meta = index.Meta
    props = {
        "index_name": meta.index_name,
        **_keys(meta.attributes),
        "projection_type": dynamodb.ProjectionType[meta.projection.projection_type],
    }
    if meta.projection.non_key_attributes:
        props["non_key_attributes"] = list(meta.projection.non_key_attributes)
    if isinstance(index, LocalSecondaryIndex):
        del props["partition_key"]  # an LSI always shares the table's partition key
    return props


def add_table(scope: Construct, model: type[Model]) -> dynamodb.Table:
    """The model's table with all its indexes; construct id is the model's class name."""
    table = dynamodb.Table(scope, model.__name__, **table_props(model))
    for index in model._indexes.values():
        if isinstance(index, LocalSecondaryIndex):
            table.add_local_secondary_index(**index_props(index))
        else:
            table.add_global_secondary_index(**index_props(index))
    return table
