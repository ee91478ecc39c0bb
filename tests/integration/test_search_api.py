"""Search through the app: products reach the index from the products table's stream (the local pipe → the FIFO
queue → the app's own handler, as on `make run`), the query API, and search inside a buyer's library."""

from __future__ import annotations

import boto3
import pytest

from tests.support.courses import grant, make_course
from tests.support.search import Indexing


@pytest.fixture
def indexing(api) -> Indexing:
    return Indexing()


def search(api, query: str, user: str | None = None):
    response = api.call("GET", f"/v1/search?{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def titles(page) -> list[str]:
    return [item["title"] for item in page["items"]]


def test_publish_archive_and_drafts_follow_the_stream(api, indexing):
    api.creator("alice")
    book = api.published("alice", title="Sourdough Starter Handbook", description="Feed your starter daily")
    api.product("alice", title="Sourdough Secrets Draft", description="not yet")
    indexing.sync()
    page = search(api, "q=sourdough")
    assert titles(page) == ["Sourdough Starter Handbook"] and page["total"] == 1  # drafts are never indexed
    assert page["items"][0]["creator"]["display_name"] == "Alice" and page["items"][0]["has_access"] is False
    assert search(api, "q=sourdough", "alice")["items"][0]["has_access"] is True  # the owner
    api.call("PATCH", f"/v1/products/{book['product_id']}", "alice", {"title": "Levain Handbook"})
    indexing.sync()
    assert titles(search(api, "q=levain")) == ["Levain Handbook"] and search(api, "q=sourdough")["total"] == 0
    assert api.call("POST", f"/v1/products/{book['product_id']}/archive", "alice").status_code == 200
    indexing.sync()
    assert search(api, "q=levain")["total"] == 0


def test_replayed_and_reordered_records_never_bring_back_old_state(api, indexing):
    from chalicelib.services.search import indexer
    from local.pipes import _as_json

    api.creator("alice")
    book = api.published("alice", title="Kombucha Brewing Guide")
    api.call("POST", f"/v1/products/{book['product_id']}/archive", "alice")
    indexing.sync()
    streams = boto3.client("dynamodbstreams")
    arn = indexing.pipe.stream_arn(indexing.pipe.table_names[0])  # the products table's
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = [_as_json(r) for r in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]]
    applied = indexer.apply_records(reversed(records))  # newest first, then every older one again
    assert applied.upserted == 0 and applied.stale == len(records)
    assert search(api, "q=kombucha")["total"] == 0


def test_intent_facets_typos_and_pages(api, indexing):
    api.creator("alice")
    api.published("alice", title="Marketing Prompts", product_type="prompt_pack", pricing_type="free", price_cents=0)
    api.published("alice", title="Marketing Playbook", product_type="ebook", price_cents=1500)
    api.published("alice", title="Marketing Course", product_type="ebook", price_cents=4500,
                  description="A pdf about marketing")
    indexing.sync()
    page = search(api, "q=free+marketing+prompts")
    assert page["intent"] == {"product_type": "prompt_pack", "pricing": "free", "max_price_cents": None,
                              "currency": None, "query": "marketing"}
    assert titles(page) == ["Marketing Prompts"]
    assert page["facets"]["by_product_type"]["prompt_pack"] == 1 and page["facets"]["by_product_type"]["course"] == 0
    cheap = search(api, "q=marketing+under+%2420&product_type=ebook")  # explicit type wins, $20 read from q
    assert titles(cheap) == ["Marketing Playbook"]
    assert (cheap["intent"]["max_price_cents"], cheap["intent"]["currency"]) == (2000, "USD")
    typo = search(api, "q=markteing+playbok")
    assert titles(typo) == ["Marketing Playbook"]
    assert typo["corrected_terms"] == {"markteing": "marketing", "playbok": "playbook"}
    first = search(api, "q=marketing&limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = search(api, f"q=marketing&limit=2&cursor={first['next_cursor']}")
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert api.call("GET", f"/v1/search?q=other&cursor={first['next_cursor']}").status_code == 400  # bound to its query
    suggestions = api.call("GET", "/v1/search/suggest?q=mark").json
    assert set(suggestions["titles"]) == {"Marketing Prompts", "Marketing Playbook", "Marketing Course"}
    assert "marketing" in suggestions["topics"]


@pytest.mark.parametrize("query", ["", "q=", f"q={'x' * 201}", "q=a&pricing=cheap", "q=a&product_type=video",
                                   "q=a&content_types=video,hologram", "q=a&max_price_cents=-1"])
def test_bad_input_is_422(api, query):
    response = api.call("GET", f"/v1/search?{query}")
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"


def test_course_content_is_public_only_as_titles_and_private_per_holder(api, indexing):
    course = make_course(api, "alice")
    indexing.sync()
    assert titles(search(api, "q=partitions")) == ["Learning DynamoDB"]  # lesson titles are public
    assert search(api, "q=secret+body")["total"] == 0  # lesson bodies are not

    def library(user: str, q: str) -> list[str]:
        response = api.call("GET", f"/v1/library/search?q={q}", user)
        assert response.status_code == 200, response.json
        return [item["lesson_id"] for item in response.json["items"]]

    assert library("bob", "secret+body") == []  # holds nothing
    assert api.call("POST", f"/v1/products/{course.product_id}/enroll", "bob").status_code in (200, 201)
    assert library("bob", "secret+body") == [course.free_lesson]  # a preview learner: free lessons only
    grant("carol", course.product_id)
    assert set(library("carol", "secret+body")) == set(course.lessons)
    hit = api.call("GET", "/v1/library/search?q=indexes", "carol").json["items"][0]
    assert (hit["product_slug"], hit["kind"], hit["access_type"]) == ("learning-dynamodb", "lesson", "purchased")
    _revoke("carol", course.product_id)  # what a refund does to the claim's source
    assert library("carol", "secret+body") == []


def test_a_library_hit_opens_at_the_section_that_matched(api, indexing):
    course = make_course(api, "alice")
    content = ("Intro text.\n\n## Hot partitions\nSpread writes with a *suffix*.\n\n## Hot partitions\n"
               "Then watch the throttling metric.\n")
    edited = api.call("PATCH", f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[0]}", "alice",
                      {"content": content, "key_takeaways": ["Sharding keys spread load"]})
    assert edited.status_code == 200, edited.json
    indexing.sync()
    grant("carol", course.product_id)

    def first(q: str) -> dict:
        items = api.call("GET", f"/v1/library/search?q={q}", "carol").json["items"]
        return next(item for item in items if item["lesson_id"] == course.paid_lessons[0])

    hit = first("suffix")
    assert (hit["anchor"], hit["title"].endswith("› Hot partitions")) == ("hot-partitions", True)
    assert first("throttling+metric")["anchor"] == "hot-partitions-1"  # a repeated heading is numbered
    assert first("sharding")["anchor"] == "key-takeaways"


def _revoke(user: str, product_id: str) -> None:
    from chalicelib.models import Product
    from chalicelib.models.base import utcnow
    from chalicelib.services.access import grants
    from chalicelib.services.core.db import transaction

    with transaction() as tx:
        grants.set_source(tx, grants.current_grant(user, product_id), user, Product.get(product_id).attribute_values,
                          "claim", "revoked", utcnow())
