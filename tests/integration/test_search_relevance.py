"""Ranking quality on the embedded engine, measured on a labelled set (tests/support/search_catalog.py: 64 products
with distractors, 44 queries with typos, synonyms and intent words): the expected product is in the top 3 for at
least 90 % of the queries, and the detected intent is exact for at least 95 %. Both figures are printed."""

from __future__ import annotations

import pytest

from chalicelib.integrations.search.base import ProductQuery
from chalicelib.integrations.search.local import LocalEngine
from chalicelib.services.search import documents
from chalicelib.services.search.query import SearchRequest, plan
from tests.support.search_catalog import PRODUCTS, QUERIES, product_state


@pytest.fixture(scope="module")
def engine() -> LocalEngine:
    engine = LocalEngine()
    engine.upsert_products([documents.product_doc(product_state(i, row)) for i, row in enumerate(PRODUCTS)])
    return engine


def top3(engine: LocalEngine, q: str) -> list[str]:
    detected, filters = plan(SearchRequest(q=q))
    result = engine.search_products(ProductQuery(detected.terms, filters, 0, 3))
    return [hit.product_id.removeprefix("prd_") for hit in result.hits]


def test_the_labelled_set_is_big_enough():
    assert len(PRODUCTS) >= 60 and len(QUERIES) >= 40
    assert {expected for _, expected, _ in QUERIES} <= {row[0] for row in PRODUCTS}


def test_top3_hit_rate_is_at_least_90_percent(engine):
    misses = [(q, expected, found) for q, expected, _ in QUERIES if expected not in (found := top3(engine, q))]
    rate = 1 - len(misses) / len(QUERIES)
    print(f"top-3 hit rate {rate:.3f} over {len(QUERIES)} queries; misses: {misses}")
    assert rate >= 0.9, misses


def test_intent_accuracy_is_at_least_95_percent(engine):
    wrong = []
    for q, _, expected in QUERIES:
        detected, _ = plan(SearchRequest(q=q))
        if (detected.product_type, detected.pricing, detected.max_price_cents) != expected:
            wrong.append((q, detected))
    accuracy = 1 - len(wrong) / len(QUERIES)
    print(f"intent accuracy {accuracy:.3f}; wrong: {wrong}")
    assert accuracy >= 0.95, wrong


def test_title_outweighs_tags_and_outcomes_which_outweigh_the_description():
    engine = LocalEngine()
    docs = [documents.product_doc(state) for state in (
        {**product_state(0, PRODUCTS[0]), "product_id": "prd_desc", "title": "Bread", "learning_outcomes": [],
         "description": "kombucha mentioned here only"},
        {**product_state(1, PRODUCTS[0]), "product_id": "prd_outcome", "title": "Drinks",
         "learning_outcomes": ["Brew kombucha"], "description": "fermented drinks"},
        {**product_state(2, PRODUCTS[0]), "product_id": "prd_title", "title": "Kombucha Brewing",
         "learning_outcomes": [], "description": "fermented tea"})]
    engine.upsert_products(docs)
    ranked = [hit.product_id for hit in engine.search_products(ProductQuery(("kombucha",))).hits]
    assert ranked == ["prd_title", "prd_outcome", "prd_desc"]
