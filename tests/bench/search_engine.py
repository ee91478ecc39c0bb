"""The embedded search engine at 10,000 products (issue 14): index build time, query p50/p95 (targets ≤ 10 ms and
≤ 30 ms), suggest p50, the index's size and the process's memory; and the delay from a published product's stream
record to a searchable document through the local pipe, queue and pump (`tests.support.search.Indexing`: what
`make run` runs, driven step by step instead of on its timers, on in-process moto).

The catalog is the relevance set's 64 products (tests/support/search_catalog.py) cycled to 10,000 with a numbered
variant word in each title, so terms repeat as in a real catalog; the queries are the relevance set's, through intent
detection (`services.search.query.plan`), as the API runs them.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time

from tests.bench.report import Row, heading, table, verdict

PRODUCTS = int(os.environ.get("BENCH_SEARCH_PRODUCTS", "10000"))
BATCH = 500


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _docs(count: int) -> list:
    from chalicelib.services.search import documents
    from tests.support.search_catalog import PRODUCTS as CATALOG
    from tests.support.search_catalog import product_state

    docs = []
    for index in range(count):
        row = CATALOG[index % len(CATALOG)]
        state = product_state(index, row, creator_id=f"creator_{index % 200}")
        state.update(product_id=f"prd_bench_{index}", slug=f"{row[0]}-{index}",
                     title=f"{state['title']} volume {index // len(CATALOG)}")
        docs.append(documents.product_doc(state))
    return docs


def _engine_figures() -> list[Row]:
    from chalicelib.integrations.search.base import ProductQuery
    from chalicelib.integrations.search.local import LocalEngine
    from chalicelib.services.search.query import SearchRequest, plan
    from tests.support.search_catalog import QUERIES

    rss_before = _rss_mb()
    docs = _docs(PRODUCTS)
    with tempfile.TemporaryDirectory() as work:
        engine = LocalEngine(os.path.join(work, "search.db"))
        started = time.perf_counter()
        for first in range(0, len(docs), BATCH):
            engine.upsert_products(docs[first:first + BATCH])
        build = time.perf_counter() - started
        size_mb = os.path.getsize(os.path.join(work, "search.db")) / 2**20
        queries = [ProductQuery(detected.terms, filters) for detected, filters in
                   (plan(SearchRequest(q=text)) for text, *_ in QUERIES)]
        timings = []
        for _ in range(5):
            for query in queries:
                began = time.perf_counter()
                engine.search_products(query)
                timings.append((time.perf_counter() - began) * 1000)
        prefixes = sorted({text.split()[0][:n] for text, *_ in QUERIES for n in (2, 3, 4)})
        suggests = []
        for prefix in prefixes:
            began = time.perf_counter()
            engine.suggest(prefix, 8)
            suggests.append((time.perf_counter() - began) * 1000)
    p50, p95 = statistics.median(timings), _percentile(timings, 0.95)
    suggest_p50 = statistics.median(suggests)
    print(heading(f"Embedded engine, {PRODUCTS:,} products"))
    print(table(["metric", "value"], [
        ["index build", f"{build:.1f} s ({PRODUCTS / build:,.0f} products/s, batches of {BATCH})"],
        ["index file", f"{size_mb:.1f} MB"],
        ["queries", f"{len(timings)} ({len(queries)} distinct, 5 rounds)"],
        ["query p50 / p95", f"{p50:.2f} ms / {p95:.2f} ms"],
        ["suggest p50", f"{suggest_p50:.2f} ms over {len(prefixes)} prefixes"],
        ["peak RSS growth", f"{_rss_mb() - rss_before:.0f} MB (documents built in memory included)"],
    ]))
    return [Row("search", f"index build, {PRODUCTS:,} products", f"{build:.1f} s"),
            Row("search", "query p50", f"{p50:.2f} ms", "≤ 10 ms", verdict(p50 <= 10)),
            Row("search", "query p95", f"{p95:.2f} ms", "≤ 30 ms", verdict(p95 <= 30)),
            Row("search", "suggest p50", f"{suggest_p50:.2f} ms"),
            Row("search", "index file", f"{size_mb:.1f} MB")]


def _publish_delay() -> list[Row]:
    """Publish → searchable through the stream: the products table's record, the pipe, the FIFO queue, the pump's
    handler, the engine (in-process moto; `make run` adds its poll intervals on top, see local/pipes.py)."""
    from moto import mock_aws

    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products
    from chalicelib.services.search.query import SearchRequest, search
    from tests.support.emulator import install_tables
    from tests.support.search import Indexing

    with mock_aws():
        install_tables()
        indexing = Indexing()
        users.open_creator_account("bench-search", None, "Bench", None)
        delays = []
        for n in range(10):
            product = products.create_product("bench-search", {
                "product_type": "ebook", "title": f"Sourdough starter guide {n}", "description": "Bake bread",
                "pricing_type": "fixed", "price_cents": 900})
            began = time.perf_counter()
            products.publish_product("bench-search", product.product_id)
            indexing.sync()
            found = [item["product_id"] for item in search(SearchRequest(q=f"sourdough {n}"), None)["items"]]
            delays.append((time.perf_counter() - began) * 1000)
            assert product.product_id in found, "published but not searchable after one sync"
    median = statistics.median(delays)
    print(heading("Publish → searchable (stream → pipe → queue → handler → engine, in process)"))
    print(f"  median {median:.0f} ms, max {max(delays):.0f} ms over {len(delays)} publishes")
    return [Row("search", "publish → searchable (pipeline work, in process)", f"{median:.0f} ms median")]


def _publish_delay_on_the_local_runtime(publishes: int = 10) -> list[Row]:
    """Publish → searchable on a real `make run` (`python -m local.run` on free ports): the API's publish, moto's
    stream, the pump's pipe and queue pollers on their own timers, the engine; measured from the publish call's
    answer until `GET /v1/search` returns the product (polled every 50 ms)."""
    import uuid
    from pathlib import Path

    from tests.support import runtime

    with tempfile.TemporaryDirectory() as state:
        stack = runtime.start(Path(state))
        try:
            creator = f"bench-search-{uuid.uuid4().hex[:6]}"
            assert stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Bench"}).ok
            delays = []
            for n in range(publishes):
                word = f"zq{uuid.uuid4().hex[:8]}"
                product = stack.call("POST", "/v1/products", creator, body={
                    "product_type": "ebook", "title": f"The {word} guide {n}", "description": "Bake bread",
                    "pricing_type": "fixed", "price_cents": 900}).json()
                assert stack.call("POST", f"/v1/products/{product['product_id']}/publish", creator).ok
                began = time.perf_counter()
                while product["product_id"] not in [item["product_id"] for item in stack.call(
                        "GET", "/v1/search", params={"q": word}).json()["items"]]:
                    assert time.perf_counter() - began < 30, "not searchable within 30 s"
                    time.sleep(0.05)
                delays.append((time.perf_counter() - began) * 1000)
        finally:
            runtime.stop(stack)
    median = statistics.median(delays)
    print(heading("Publish → searchable on `make run` (API, moto's stream, the pump's pipe and queue timers)"))
    print(f"  median {median:.0f} ms, max {max(delays):.0f} ms over {len(delays)} publishes")
    return [Row("search", "publish → searchable on make run", f"{median:.0f} ms median", "≤ 5 s",
                verdict(median <= 5000))]


def run() -> list[Row]:
    return [*_engine_figures(), *_publish_delay(), *_publish_delay_on_the_local_runtime()]
