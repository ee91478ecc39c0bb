"""`table_props`/`index_props` turn PynamoDB declarations into CDK table arguments (no synthesis, fast)."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models import AccessGrant, CatalogListing, Product
from infra.tables import index_props, table_props


class ByScore(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_score"
        projection = IncludeProjection(["title"])

    owner = UnicodeAttribute(hash_key=True)
    score = NumberAttribute(range_key=True)


class ByTitle(LocalSecondaryIndex):
    class Meta:
        index_name = "by_title"
        projection = KeysOnlyProjection()

    pk = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute(range_key=True, attr_name="t")


class Scored(Model):
    class Meta:
        table_name = "scored"
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    seq = NumberAttribute(range_key=True)
    owner = UnicodeAttribute()
    score = NumberAttribute()
    title = UnicodeAttribute(attr_name="t")

    by_score = ByScore()
    by_title = ByTitle()


def key(name: str, type_: dynamodb.AttributeType) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=type_)


S, N = dynamodb.AttributeType.STRING, dynamodb.AttributeType.NUMBER


def test_table_props_use_dynamodb_names_and_types():
    props = table_props(Scored)

    assert props["table_name"] == "scored"
    assert props["partition_key"] == key("PK", S)
    assert props["sort_key"] == key("seq", N)
    assert props["billing_mode"] == dynamodb.BillingMode.PAY_PER_REQUEST
    assert props["point_in_time_recovery_specification"].point_in_time_recovery_enabled is True


def test_include_projection_keeps_its_attributes():
    assert index_props(Scored.by_score) == {
        "index_name": "by_score", "partition_key": key("owner", S), "sort_key": key("score", N),
        "projection_type": dynamodb.ProjectionType.INCLUDE, "non_key_attributes": ["title"]}


def test_local_index_has_no_partition_key_of_its_own():
    assert index_props(Scored.by_title) == {
        "index_name": "by_title", "sort_key": key("t", S), "projection_type": dynamodb.ProjectionType.KEYS_ONLY}


def test_app_models():
    assert "sort_key" not in table_props(Product)
    assert table_props(AccessGrant)["sort_key"] == key("product_id", S)
    assert table_props(CatalogListing)["table_name"] == CatalogListing.Meta.table_name
    assert index_props(Product.by_creator)["projection_type"] == dynamodb.ProjectionType.ALL
    assert index_props(AccessGrant.by_product)["projection_type"] == dynamodb.ProjectionType.KEYS_ONLY
    assert index_props(CatalogListing.by_price) == {
        "index_name": "by_price", "sort_key": key("sort_price", S), "projection_type": dynamodb.ProjectionType.ALL}


def test_a_ttl_attribute_becomes_the_tables_time_to_live():
    from chalicelib.models.rate_limits import RateLimitWindow

    assert table_props(RateLimitWindow)["time_to_live_attribute"] == "expires_at"
    assert "time_to_live_attribute" not in table_props(Scored)
