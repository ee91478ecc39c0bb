"""Weaviate (client v4, collections API) behind `base.SearchEngine`: the engine on AWS.

- Collections `Product` (the public documents) and `ProductContent` (the library's chunks), created on first use
  with explicit properties (no auto-schema). Vectors are ours (`self_provided`): the indexer and the API embed with
  Amazon Bedrock (`embeddings.py`) under their own IAM role — no AWS credentials are handed to Weaviate, one model
  version is pinned in config, and a reindex re-embeds. Without an embedder the queries are BM25 only.
- Search is hybrid (BM25 over the weighted text properties + the query's vector, `ALPHA`) with filters on type,
  pricing, creator, price floor and content types; the total and the facets are BM25 aggregates (a vector search
  matches everything, so its count means nothing). Tombstones are objects with `visible` false.
- Writes compare versions first (read, then a batch upsert of the newer ones); the FIFO queue serializes one
  product's changes, so the read and the write do not race (a `reindex` running at the same time could, harmlessly:
  both write the same current state).
- Errors: a query that cannot reach Weaviate answers 503 with Retry-After (`ServiceUnavailable`); a write raises,
  so SQS redelivers the batch.
The client is imported only here, when the engine is first built (~1 s).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from chalicelib.errors import ServiceUnavailable
from chalicelib.integrations.search.base import (
    FIELD_WEIGHTS,
    PRICING_BUCKETS,
    PRODUCT_FIELDS,
    ContentChunk,
    ContentHit,
    Filters,
    ProductDoc,
    ProductHit,
    ProductQuery,
    ProductResult,
)

if TYPE_CHECKING:
    from chalicelib.config import Settings

PRODUCTS, CONTENT = "Product", "ProductContent"
ALPHA = 0.5  # hybrid weight of the vector half (0 = BM25 only)
NAMESPACE = uuid.UUID("6f2b4a70-3d55-4d1e-9a55-2c8a1c1f0c11")
MAX_COUNTED = 10_000
MARKER, DROPPED = "#version", "#dropped"
RETRY_AFTER_SECONDS = 5
Embed = Callable[[str], list[float]]


def object_id(*parts: str) -> str:
    """Deterministic object ids: a product (or a chunk) is always the same object, so writes are upserts."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def product_properties() -> list[Any]:
    from weaviate.classes.config import DataType, Property, Tokenization

    def text(name: str, searchable: bool = True) -> Any:
        return Property(name=name, data_type=DataType.TEXT, index_searchable=searchable,
                        tokenization=Tokenization.WORD if searchable else Tokenization.FIELD)

    return [*(text(name) for name in PRODUCT_FIELDS),
            Property(name="product_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="version", data_type=DataType.INT), Property(name="visible", data_type=DataType.BOOL),
            text("product_type", False), text("creator_id", False),
            Property(name="pricing", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD),
            Property(name="price_floor_cents", data_type=DataType.INT),
            Property(name="content_types", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD),
            text("published_at", False), Property(name="popularity", data_type=DataType.INT),
            Property(name="card", data_type=DataType.TEXT, index_searchable=False, index_filterable=False)]


def content_properties() -> list[Any]:
    from weaviate.classes.config import DataType, Property, Tokenization

    return [Property(name="product_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="source", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="chunk_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
            Property(name="version", data_type=DataType.INT), Property(name="is_free_preview", data_type=DataType.BOOL),
            Property(name="is_marker", data_type=DataType.BOOL),
            Property(name="title", data_type=DataType.TEXT), Property(name="body", data_type=DataType.TEXT),
            Property(name="link", data_type=DataType.TEXT, index_searchable=False, index_filterable=False)]


def product_filters(filters: Filters, without: str | None = None) -> Any:
    """The Weaviate filter of a query (`without`: leave that filter out, for its facet)."""
    from weaviate.classes.query import Filter

    parts = [Filter.by_property("visible").equal(True)]
    if filters.product_type and without != "product_type":
        parts.append(Filter.by_property("product_type").equal(filters.product_type))
    if filters.pricing and without != "pricing":
        parts.append(Filter.by_property("pricing").contains_any([filters.pricing]))
    if filters.creator_id:
        parts.append(Filter.by_property("creator_id").equal(filters.creator_id))
    if filters.max_price_cents is not None:
        parts.append(Filter.by_property("price_floor_cents").less_or_equal(filters.max_price_cents))
    if filters.content_types:
        parts.append(Filter.by_property("content_types").contains_any(list(filters.content_types)))
    return Filter.all_of(parts)


def weighted_properties() -> list[str]:
    return [f"{name}^{FIELD_WEIGHTS[name]:g}" for name in PRODUCT_FIELDS]


class WeaviateEngine:
    def __init__(self, connect: Callable[[], Any], embed: Embed | None = None) -> None:
        self._connect, self._embed, self._client = connect, embed, None

    @classmethod
    def from_settings(cls, settings: Settings) -> WeaviateEngine:
        from chalicelib.integrations.search.embeddings import bedrock_embedder

        if not settings.weaviate_url:
            raise ServiceUnavailable("search is not configured (WEAVIATE_URL)", retry_after=RETRY_AFTER_SECONDS)
        return cls(lambda: connect(settings.weaviate_url, settings.secret("weaviate_api_key")),
                   bedrock_embedder(settings))

    def _collection(self, name: str) -> Any:
        if self._client is None:
            client = self._connect()
            ensure_schema(client)
            self._client = client
        return self._client.collections.get(name)

    def _vector(self, text: str) -> list[float] | None:
        return self._embed(text) if self._embed and text.strip() else None

    # --- products ----------------------------------------------------------------------------------

    def versions(self, product_ids: list[str]) -> dict[str, int]:
        if not product_ids:
            return {}
        found = self._collection(PRODUCTS).query.fetch_objects_by_ids(
            [object_id(pid) for pid in product_ids], return_properties=["product_id", "version"])
        return {o.properties["product_id"]: int(o.properties["version"]) for o in found.objects}

    def upsert_products(self, docs: list[ProductDoc]) -> int:
        from weaviate.classes.data import DataObject

        current = self.versions([doc.product_id for doc in docs])
        newer = [doc for doc in docs if current.get(doc.product_id, -1) < doc.version]
        if newer:
            _check(self._collection(PRODUCTS).data.insert_many([
                DataObject(properties=_product_object(doc), uuid=object_id(doc.product_id),
                           vector=self._vector(" ".join([doc.text.get("title", ""), doc.text.get("description", "")])))
                for doc in newer]))
        return len(newer)

    def remove_product(self, product_id: str, version: int) -> bool:
        from weaviate.classes.data import DataObject

        if self.versions([product_id]).get(product_id, -1) >= version:
            return False
        tombstone = {"product_id": product_id, "version": version, "visible": False}
        _check(self._collection(PRODUCTS).data.insert_many([DataObject(properties=tombstone,
                                                                       uuid=object_id(product_id))]))
        return True

    def search_products(self, query: ProductQuery) -> ProductResult:
        from weaviate.classes.query import MetadataQuery, Sort

        collection, text = self._collection(PRODUCTS), " ".join(query.terms)
        try:
            if text:
                found = collection.query.hybrid(
                    query=text, vector=self._vector(text), alpha=ALPHA if self._embed else 0.0,
                    query_properties=weighted_properties(), filters=product_filters(query.filters),
                    limit=query.limit, offset=query.offset, return_metadata=MetadataQuery(score=True),
                    return_properties=["product_id", "card"])
            else:
                found = collection.query.fetch_objects(
                    filters=product_filters(query.filters), limit=query.limit, offset=query.offset,
                    sort=Sort.by_property("popularity", ascending=False), return_properties=["product_id", "card"])
            facets = self._facets(collection, text, query.filters)
        except Exception as exc:
            raise _unavailable(exc) from exc
        hits = [ProductHit(o.properties["product_id"], float(getattr(o.metadata, "score", 0.0) or 0.0),
                           json.loads(o.properties["card"])) for o in found.objects]
        total = facets["product_type"].get(query.filters.product_type, 0) if query.filters.product_type else \
            sum(facets["product_type"].values())
        return ProductResult(hits, total, facets)

    def _facets(self, collection: Any, text: str, filters: Filters) -> dict[str, dict[str, int]]:
        from weaviate.classes.aggregate import GroupByAggregate
        from weaviate.classes.query import Filter

        def count(where: Any, group_by: Any = None) -> Any:
            if text:  # BM25 only: the vector half would match every object
                return collection.aggregate.hybrid(query=text, alpha=0.0, query_properties=weighted_properties(),
                                                   filters=where, group_by=group_by, total_count=True,
                                                   object_limit=MAX_COUNTED)
            return collection.aggregate.over_all(filters=where, group_by=group_by, total_count=True)

        groups = count(product_filters(filters, without="product_type"), GroupByAggregate(prop="product_type"))
        by_type = {group.grouped_by.value: int(group.total_count) for group in groups.groups}
        base = product_filters(filters, without="pricing")
        pricing = {bucket: int(count(Filter.all_of([base, Filter.by_property("pricing").contains_any([bucket])]))
                               .total_count or 0) for bucket in PRICING_BUCKETS}
        return {"product_type": by_type, "pricing": pricing}

    def suggest(self, prefix: str, limit: int) -> tuple[list[str], list[str]]:
        """Titles with a word starting like the last word typed (Weaviate has no vocabulary listing: no topics)."""
        from weaviate.classes.query import Filter

        words = prefix.lower().split()
        if not words:
            return [], []
        where = Filter.all_of([Filter.by_property("visible").equal(True),
                               *(Filter.by_property("title").like(f"{word}*") for word in words)])
        try:
            found = self._collection(PRODUCTS).query.fetch_objects(filters=where, limit=limit,
                                                                   return_properties=["title"])
        except Exception as exc:
            raise _unavailable(exc) from exc
        return [o.properties["title"] for o in found.objects], []

    # --- content -------------------------------------------------------------------------------------

    def replace_content(self, product_id: str, source: str, version: int, chunks: list[ContentChunk]) -> bool:
        from weaviate.classes.data import DataObject
        from weaviate.classes.query import Filter

        collection = self._collection(CONTENT)
        markers = collection.query.fetch_objects_by_ids(
            [object_id(product_id, source, MARKER), object_id(product_id, DROPPED)],
            return_properties=["source", "version"]).objects
        if any(m.properties["source"] == DROPPED or int(m.properties["version"]) >= version for m in markers):
            return False
        collection.data.delete_many(where=Filter.all_of([Filter.by_property("product_id").equal(product_id),
                                                         Filter.by_property("source").equal(source)]))
        objects = [_marker(product_id, source, version)]
        objects += [DataObject(properties={"product_id": product_id, "source": source, "chunk_id": c.chunk_id,
                                           "version": version, "is_marker": False, "is_free_preview": c.is_free_preview,
                                           "title": c.title, "body": c.text, "link": json.dumps(c.link)},
                               uuid=object_id(product_id, source, c.chunk_id),
                               vector=self._vector(f"{c.title}\n{c.text}"))
                    for c in chunks]
        _check(collection.data.insert_many(objects))
        return True

    def drop_content(self, product_id: str) -> None:
        from weaviate.classes.query import Filter

        collection = self._collection(CONTENT)
        collection.data.delete_many(where=Filter.by_property("product_id").equal(product_id))
        _check(collection.data.insert_many([_marker(product_id, DROPPED, 0)]))

    def content_version(self, product_id: str, source: str) -> int | None:
        found = self._collection(CONTENT).query.fetch_object_by_id(object_id(product_id, source, MARKER),
                                                                  return_properties=["version"])
        return None if found is None else int(found.properties["version"])

    def search_content(self, terms: tuple[str, ...], full: set[str], preview: set[str],
                       limit: int) -> list[ContentHit]:
        from weaviate.classes.query import Filter, MetadataQuery

        if not terms or not (full or preview):
            return []
        allowed = []
        if full:
            allowed.append(Filter.by_property("product_id").contains_any(sorted(full)))
        if preview - full:
            allowed.append(Filter.all_of([Filter.by_property("product_id").contains_any(sorted(preview - full)),
                                          Filter.by_property("is_free_preview").equal(True)]))
        where = Filter.all_of([Filter.by_property("is_marker").equal(False), Filter.any_of(allowed)])
        text = " ".join(terms)
        try:
            found = self._collection(CONTENT).query.hybrid(
                query=text, vector=self._vector(text), alpha=ALPHA if self._embed else 0.0,
                query_properties=["title^4", "body"], filters=where, limit=limit,
                return_metadata=MetadataQuery(score=True))
        except Exception as exc:
            raise _unavailable(exc) from exc
        return [ContentHit(o.properties["product_id"], o.properties["chunk_id"], o.properties["title"],
                           o.properties["body"][:200], json.loads(o.properties["link"]),
                           float(getattr(o.metadata, "score", 0.0) or 0.0)) for o in found.objects]


def _marker(product_id: str, source: str, version: int) -> Any:
    """The object holding a content source's version (the DROPPED source: a deleted product's tombstone)."""
    from weaviate.classes.data import DataObject

    uuid_ = object_id(product_id, DROPPED) if source == DROPPED else object_id(product_id, source, MARKER)
    return DataObject(properties={"product_id": product_id, "source": source, "chunk_id": MARKER, "version": version,
                                  "is_marker": True, "is_free_preview": False, "title": "", "body": "", "link": "{}"},
                      uuid=uuid_)


def _product_object(doc: ProductDoc) -> dict[str, Any]:
    return {**{name: doc.text.get(name, "") for name in PRODUCT_FIELDS}, "product_id": doc.product_id,
            "version": doc.version, "visible": True, "product_type": doc.product_type, "creator_id": doc.creator_id,
            "pricing": list(doc.pricing), "price_floor_cents": doc.price_floor_cents,
            "content_types": list(doc.content_types), "published_at": doc.published_at, "popularity": doc.popularity,
            "card": json.dumps(doc.card)}


def _check(result: Any) -> None:
    """A batch with failed objects raises (the SQS batch is redelivered)."""
    errors = getattr(result, "errors", None)
    if errors:
        raise RuntimeError(f"Weaviate refused {len(errors)} object(s): {next(iter(errors.values()))}")


def _unavailable(exc: Exception) -> ServiceUnavailable:
    from weaviate.exceptions import WeaviateBaseError

    if isinstance(exc, (WeaviateBaseError, ConnectionError, TimeoutError)):
        return ServiceUnavailable("search is unavailable right now; retry shortly", retry_after=RETRY_AFTER_SECONDS)
    raise exc


def ensure_schema(client: Any) -> None:
    """Create the two collections if missing (explicit properties, vectors we provide); a collection created before
    a property was added gains it (objects written earlier lack it until a `reindex` rewrites them)."""
    from weaviate.classes.config import Configure

    for name, properties in ((PRODUCTS, product_properties()), (CONTENT, content_properties())):
        if not client.collections.exists(name):
            client.collections.create(name, properties=properties, vector_config=Configure.Vectors.self_provided())
            continue
        collection = client.collections.get(name)
        present = {prop.name for prop in collection.config.get().properties}
        for prop in properties:
            if prop.name not in present:
                collection.config.add_property(prop)


def connect(url: str, api_key: str) -> Any:
    """A v4 client for `url` (https://host[:port]); gRPC on the same host, port 50051 (443 for Weaviate Cloud)."""
    import weaviate
    from weaviate.classes.init import Auth

    parsed = urlparse(url)
    secure = parsed.scheme == "https"
    auth = Auth.api_key(api_key) if api_key else None
    host = parsed.hostname or ""
    if host.endswith((".weaviate.cloud", ".weaviate.network")):
        return weaviate.connect_to_weaviate_cloud(url, auth_credentials=auth)
    return weaviate.connect_to_custom(http_host=host, http_port=parsed.port or (443 if secure else 80),
                                      http_secure=secure, grpc_host=host, grpc_port=50051, grpc_secure=secure,
                                      auth_credentials=auth)
