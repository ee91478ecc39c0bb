"""The Weaviate adapter without a server: the schema it creates, the exact queries and filters it sends, version-
checked batch upserts, tombstones, and how failures map to 503 (a real server: test_search_engine_contract.py with
WEAVIATE_URL). A recording stand-in replaces the client; the request objects are the client library's own."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest
from weaviate.classes.config import DataType
from weaviate.classes.query import Filter
from weaviate.exceptions import WeaviateQueryError

from chalicelib.errors import ServiceUnavailable
from chalicelib.integrations.search import weaviate as adapter
from chalicelib.integrations.search.base import Filters, ProductDoc, ProductQuery


def fake_client(existing: dict[str, int] | None = None) -> tuple[MagicMock, MagicMock]:
    client, collection = MagicMock(), MagicMock()
    client.collections.exists.return_value = False
    client.collections.get.return_value = collection
    stored = [SimpleNamespace(properties={"product_id": pid, "version": v}) for pid, v in (existing or {}).items()]
    collection.query.fetch_objects_by_ids.return_value = SimpleNamespace(objects=stored)
    collection.data.insert_many.return_value = SimpleNamespace(errors={})
    group = SimpleNamespace(grouped_by=SimpleNamespace(value="course"), total_count=2)
    collection.aggregate.hybrid.return_value = SimpleNamespace(groups=[group], total_count=1)
    collection.aggregate.over_all.return_value = SimpleNamespace(groups=[group], total_count=1)
    return client, collection


def shape(where) -> object:
    """A filter as plain data (the client's filter objects do not compare by value)."""
    if hasattr(where, "filters"):
        return (type(where).__name__, [shape(part) for part in where.filters])
    return (where.target, where.operator.value, where.value)


def doc(product_id: str, version: int) -> ProductDoc:
    return ProductDoc(product_id, version, {"title": "Sourdough", "description": "bread"}, "course", "alice",
                      ("paid",), 2000, card={"title": "Sourdough"})


def test_schema_has_explicit_properties_and_our_own_vectors():
    client, _ = fake_client()
    adapter.ensure_schema(client)
    created = {call.args[0]: call.kwargs for call in client.collections.create.call_args_list}
    assert set(created) == {"Product", "ProductContent"}
    products = {p.name: p.dataType for p in created["Product"]["properties"]}
    assert products["title"] == DataType.TEXT and products["pricing"] == DataType.TEXT_ARRAY
    assert products["version"] == DataType.INT and products["visible"] == DataType.BOOL
    assert created["Product"]["vector_config"] is not None
    client.collections.exists.return_value = True
    client.collections.create.reset_mock()
    adapter.ensure_schema(client)
    client.collections.create.assert_not_called()


def test_upserts_only_newer_versions_with_deterministic_ids_and_vectors():
    client, collection = fake_client(existing={"p1": 3})
    engine = adapter.WeaviateEngine(lambda: client, embed=lambda text: [float(len(text))])
    assert engine.upsert_products([doc("p1", 2), doc("p2", 1)]) == 1
    (objects,), _ = collection.data.insert_many.call_args
    (written,) = objects
    assert written.uuid == adapter.object_id("p2") and written.properties["version"] == 1
    assert written.properties["visible"] is True and written.vector == [float(len("Sourdough bread"))]


def test_a_removal_is_a_tombstone_unless_something_newer_is_stored():
    client, collection = fake_client(existing={"p1": 3})
    engine = adapter.WeaviateEngine(lambda: client)
    assert engine.remove_product("p1", 3) is False
    assert engine.remove_product("p1", 4) is True
    (objects,), _ = collection.data.insert_many.call_args
    assert objects[0].properties == {"product_id": "p1", "version": 4, "visible": False}


def test_hybrid_query_with_weighted_properties_and_filters():
    client, collection = fake_client()
    hit = SimpleNamespace(properties={"product_id": "p1", "card": '{"title": "Sourdough"}'},
                          metadata=SimpleNamespace(score=0.8))
    collection.query.hybrid.return_value = SimpleNamespace(objects=[hit])
    engine = adapter.WeaviateEngine(lambda: client, embed=lambda text: [1.0])
    filters = Filters(product_type="course", pricing="free", max_price_cents=2000)
    result = engine.search_products(ProductQuery(("sourdough", "bread"), filters, offset=20, limit=10))
    kwargs = collection.query.hybrid.call_args.kwargs
    assert (kwargs["query"], kwargs["vector"], kwargs["alpha"]) == ("sourdough bread", [1.0], adapter.ALPHA)
    assert kwargs["query_properties"] == ["title^10", "tags^5", "outcomes^4", "outline^3", "description^1"]
    assert (kwargs["offset"], kwargs["limit"]) == (20, 10)
    assert shape(kwargs["filters"]) == shape(Filter.all_of([
        Filter.by_property("visible").equal(True), Filter.by_property("product_type").equal("course"),
        Filter.by_property("pricing").contains_any(["free"]),
        Filter.by_property("price_floor_cents").less_or_equal(2000)]))
    assert [h.product_id for h in result.hits] == ["p1"] and result.hits[0].card == {"title": "Sourdough"}
    assert result.facets["product_type"] == {"course": 2} and result.total == 2
    # facets and totals are BM25 only: a vector search matches everything
    assert all(call.kwargs["alpha"] == 0.0 for call in collection.aggregate.hybrid.call_args_list)


def test_without_an_embedder_the_query_is_bm25_only():
    client, collection = fake_client()
    collection.query.hybrid.return_value = SimpleNamespace(objects=[])
    adapter.WeaviateEngine(lambda: client).search_products(ProductQuery(("bread",)))
    assert collection.query.hybrid.call_args.kwargs["alpha"] == 0.0
    assert collection.query.hybrid.call_args.kwargs["vector"] is None


def test_an_unreachable_weaviate_answers_503():
    client, collection = fake_client()
    collection.query.hybrid.side_effect = WeaviateQueryError("connection refused", "gRPC")
    with pytest.raises(ServiceUnavailable) as raised:
        adapter.WeaviateEngine(lambda: client).search_products(ProductQuery(("bread",)))
    assert raised.value.retry_after == adapter.RETRY_AFTER_SECONDS


def test_library_content_is_filtered_by_the_products_the_caller_may_open():
    client, collection = fake_client()
    collection.query.hybrid.return_value = SimpleNamespace(objects=[])
    adapter.WeaviateEngine(lambda: client).search_content(("levain",), {"p1"}, {"p1", "p2"}, 5)
    where = collection.query.hybrid.call_args.kwargs["filters"]
    assert shape(where) == shape(Filter.all_of([Filter.by_property("is_marker").equal(False), Filter.any_of([
        Filter.by_property("product_id").contains_any(["p1"]),
        Filter.all_of([Filter.by_property("product_id").contains_any(["p2"]),
                       Filter.by_property("is_free_preview").equal(True)])])]))


def test_a_content_source_is_replaced_alone_behind_its_version_marker():
    from chalicelib.integrations.search.base import ContentChunk

    client, collection = fake_client()
    collection.query.fetch_objects_by_ids.return_value = SimpleNamespace(objects=[])
    engine = adapter.WeaviateEngine(lambda: client)
    chunk = ContentChunk("file:f1#0", "guide.pdf › page 2", "hydration", False, {"kind": "file", "page": 2})
    assert engine.replace_content("p1", "file:f1", 1, [chunk]) is True
    (ids,), _ = collection.query.fetch_objects_by_ids.call_args
    assert ids == [adapter.object_id("p1", "file:f1", "#version"), adapter.object_id("p1", "#dropped")]
    where = collection.data.delete_many.call_args.kwargs["where"]
    assert shape(where) == shape(Filter.all_of([Filter.by_property("product_id").equal("p1"),
                                                Filter.by_property("source").equal("file:f1")]))
    ((marker, written),), _ = collection.data.insert_many.call_args
    assert marker.properties["is_marker"] is True and marker.properties["version"] == 1
    assert written.uuid == adapter.object_id("p1", "file:f1", "file:f1#0")
    assert written.properties["source"] == "file:f1" and written.properties["link"] == '{"kind": "file", "page": 2}'

    stored = SimpleNamespace(properties={"source": "file:f1", "version": 1})
    collection.query.fetch_objects_by_ids.return_value = SimpleNamespace(objects=[stored])
    assert engine.replace_content("p1", "file:f1", 1, []) is False  # not newer
    collection.query.fetch_object_by_id.return_value = stored
    assert engine.content_version("p1", "file:f1") == 1
    assert collection.query.fetch_object_by_id.call_args.args == (adapter.object_id("p1", "file:f1", "#version"),)
    dropped = SimpleNamespace(properties={"source": "#dropped", "version": 0})
    collection.query.fetch_objects_by_ids.return_value = SimpleNamespace(objects=[dropped])
    assert engine.replace_content("p1", "product", 50, []) is False  # the product was deleted


def test_dropping_a_products_content_leaves_a_tombstone():
    client, collection = fake_client()
    adapter.WeaviateEngine(lambda: client).drop_content("p1")
    assert shape(collection.data.delete_many.call_args.kwargs["where"]) == shape(
        Filter.by_property("product_id").equal("p1"))
    (objects,), _ = collection.data.insert_many.call_args
    assert objects[0].uuid == adapter.object_id("p1", "#dropped") and objects[0].properties["source"] == "#dropped"


def test_an_existing_collection_gains_the_properties_it_lacks():
    client, collection = fake_client()
    client.collections.exists.return_value = True
    names = [p.name for p in adapter.content_properties() if p.name != "source"]
    collection.config.get.return_value = SimpleNamespace(properties=[SimpleNamespace(name=n) for n in names])
    adapter.ensure_schema(client)
    added = {call.args[0].name for call in collection.config.add_property.call_args_list}
    assert "source" in added and not added & set(names)
