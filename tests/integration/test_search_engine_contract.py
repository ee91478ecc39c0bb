"""The search engine contract (`integrations/search/base.SearchEngine`), run against the embedded engine, and against
a real Weaviate when `WEAVIATE_URL` (and `WEAVIATE_API_KEY` if it needs one) is set — skipped otherwise, since no
Weaviate server can run on these machines. Its collections are dropped first: point it at a scratch cluster."""

from __future__ import annotations

import os

import pytest

from chalicelib.integrations.search.base import ContentChunk, Filters, ProductDoc, ProductQuery


def doc(product_id: str, version: int = 1, title: str = "Sourdough Bread", **fields) -> ProductDoc:
    values = {"text": {"title": title, "tags": "course", "description": "bake at home"}, "product_type": "course",
              "creator_id": "alice", "pricing": ("paid",), "price_floor_cents": 2000, "content_types": ("text",),
              "card": {"product_id": product_id, "title": title}, **fields}
    return ProductDoc(product_id=product_id, version=version, **values)


@pytest.fixture(params=["local", "weaviate"])
def engine(request):
    if request.param == "local":
        from chalicelib.integrations.search.local import LocalEngine

        return LocalEngine()
    url = os.environ.get("WEAVIATE_URL")
    if not url:
        pytest.skip("set WEAVIATE_URL to run the contract against a real Weaviate")
    from chalicelib.integrations.search import weaviate as adapter

    client = adapter.connect(url, os.environ.get("WEAVIATE_API_KEY", ""))
    for name in (adapter.PRODUCTS, adapter.CONTENT):
        client.collections.delete(name)
    request.addfinalizer(client.close)
    return adapter.WeaviateEngine(lambda: client)


def ids(result) -> list[str]:
    return [hit.product_id for hit in result.hits]


def test_only_newer_versions_are_applied_and_tombstones_hold(engine):
    assert engine.upsert_products([doc("p1", 2, "Sourdough Bread")]) == 1
    assert engine.upsert_products([doc("p1", 1, "Stale Title")]) == 0
    assert ids(engine.search_products(ProductQuery(("sourdough",)))) == ["p1"]
    assert engine.remove_product("p1", 3) is True
    assert engine.upsert_products([doc("p1", 2)]) == 0  # a replayed older record never brings it back
    assert engine.search_products(ProductQuery(("sourdough",))).total == 0
    assert engine.versions(["p1", "p2"]) == {"p1": 3}
    assert engine.upsert_products([doc("p1", 4, "Sourdough Again")]) == 1
    assert ids(engine.search_products(ProductQuery(("sourdough",)))) == ["p1"]


def test_filters_and_facets(engine):
    engine.upsert_products([
        doc("course", pricing=("paid", "freemium")),
        doc("ebook", title="Sourdough Handbook", product_type="ebook", pricing=("free",), price_floor_cents=0,
            content_types=()),
        doc("other", title="Sourdough Bread Notion Template", product_type="template", creator_id="bob",
            price_floor_cents=5000, content_types=("notion",))])
    everything = engine.search_products(ProductQuery(("sourdough",)))
    assert everything.total == 3
    assert everything.facets["product_type"] == {"course": 1, "ebook": 1, "template": 1}
    assert everything.facets["pricing"] == {"free": 1, "paid": 2, "freemium": 1}
    typed = engine.search_products(ProductQuery(("sourdough",), Filters(product_type="ebook")))
    assert ids(typed) == ["ebook"] and typed.facets["product_type"]["course"] == 1  # a facet ignores its own filter
    assert ids(engine.search_products(ProductQuery(("sourdough",), Filters(pricing="freemium")))) == ["course"]
    assert ids(engine.search_products(ProductQuery(("sourdough",), Filters(creator_id="bob")))) == ["other"]
    assert sorted(ids(engine.search_products(ProductQuery(("sourdough",), Filters(max_price_cents=2000))))) == \
        ["course", "ebook"]
    assert ids(engine.search_products(ProductQuery((), Filters(content_types=("notion",))))) == ["other"]


def test_pages_with_offset_and_limit(engine):
    engine.upsert_products([doc(f"p{n}", title=f"Sourdough lesson {n}") for n in range(5)])
    first = engine.search_products(ProductQuery(("sourdough",), limit=2))
    rest = engine.search_products(ProductQuery(("sourdough",), offset=2, limit=10))
    assert first.total == 5 and len(first.hits) == 2 and len(rest.hits) == 3
    assert not set(ids(first)) & set(ids(rest))


def test_suggest_completes_titles(engine):
    engine.upsert_products([doc("p1", title="Sourdough Bread"), doc("p2", title="Pizza Dough")])
    titles, _ = engine.suggest("sour", 5)
    assert titles == ["Sourdough Bread"]


def test_content_is_searched_only_where_access_allows(engine):
    engine.replace_content("p1", "product", 1, [
        ContentChunk("lesson:a", "Starter", "feed the levain twice a day", True, {"kind": "lesson", "lesson_id": "a"}),
        ContentChunk("lesson:b", "Shaping", "shape the levain boule", False, {"kind": "lesson", "lesson_id": "b"})])
    engine.replace_content("p2", "product", 1, [ContentChunk("product", "Other", "levain secrets", True,
                                                             {"kind": "product"})])
    assert {h.chunk_id for h in engine.search_content(("levain",), {"p1"}, set(), 10)} == {"lesson:a", "lesson:b"}
    assert {h.chunk_id for h in engine.search_content(("levain",), set(), {"p1"}, 10)} == {"lesson:a"}
    assert engine.search_content(("levain",), set(), set(), 10) == []
    assert engine.replace_content("p1", "product", 1, []) is False  # not newer
    assert engine.replace_content("p1", "product", 2, []) is True
    assert engine.search_content(("levain",), {"p1", "p2"}, set(), 10)[0].product_id == "p2"


def test_content_sources_are_versioned_apart_and_a_dropped_product_takes_no_writes(engine):
    file_chunk = ContentChunk("file:f1#0", "guide.pdf › page 2", "hydration of the levain", False,
                              {"kind": "file", "file_id": "f1", "page": 2})
    assert engine.replace_content("p1", "file:f1", 1, [file_chunk]) is True
    engine.replace_content("p1", "product", 5, [ContentChunk("product", "Bread", "a levain page", True, {})])
    assert engine.replace_content("p1", "product", 6, []) is True  # the product's own source only
    (hit,) = engine.search_content(("hydration",), {"p1"}, set(), 10)
    assert (hit.chunk_id, hit.link["page"]) == ("file:f1#0", 2)
    assert engine.search_content(("hydration",), set(), {"p1"}, 10) == []  # not free preview
    assert (engine.content_version("p1", "file:f1"), engine.content_version("p1", "product")) == (1, 6)
    assert engine.content_version("p1", "file:nope") is None
    assert engine.replace_content("p1", "file:f1", 1, [file_chunk]) is False  # a replay
    assert engine.replace_content("p1", "file:f1", 2, []) is True  # the file deleted
    assert engine.replace_content("p1", "file:f1", 1, [file_chunk]) is False  # its ready record, late
    assert engine.search_content(("hydration",), {"p1"}, set(), 10) == []
    engine.replace_content("p2", "file:f2", 1, [ContentChunk("file:f2", "notes.md", "levain notes", False, {})])
    engine.drop_content("p2")
    assert engine.search_content(("levain",), {"p2"}, set(), 10) == []
    assert engine.replace_content("p2", "file:f3", 1, [ContentChunk("x", "late", "levain", False, {})]) is False
    assert engine.replace_content("p2", "product", 99, [ContentChunk("y", "late", "levain", True, {})]) is False


def test_the_embedded_engine_corrects_typos_against_indexed_words():
    from chalicelib.integrations.search.local import LocalEngine

    engine = LocalEngine()
    engine.upsert_products([doc("p1", text={"title": "Sourdough Baking"}),
                            doc("p2", text={"title": "Making Candles"})])
    result = engine.search_products(ProductQuery(("sourdouhg",)))
    assert ids(result) == ["p1"] and result.corrected == {"sourdouhg": "sourdough"}
    assert ids(engine.search_products(ProductQuery(("baked",)))) == ["p1"]  # stemming first: not "making"
    assert engine.search_products(ProductQuery(("xyzzyq",))).total == 0
