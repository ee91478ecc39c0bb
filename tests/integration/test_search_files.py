"""Search inside deliverable files: a file uploaded and completed through the API reaches the library index through
the product-files table's stream (the local pipe → the FIFO queue → the app's handler, as on `make run`), with its
text extracted there — and only buyers with active access find it, at its page, entry or section."""

from __future__ import annotations

import boto3
import pytest
import requests

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.search import Indexing
from tests.support.webhooks import buy, deliver, succeeded


def guide_pdf() -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.set_font("Helvetica", size=12)
    for text in ("Welcome to the baking guide.", "Hydration ratios: 75 percent water for an open crumb."):
        document.add_page()
        document.multi_cell(0, 10, text)
    return bytes(document.output())


@pytest.fixture
def indexing(api) -> Indexing:
    from local.resources import create_buckets

    create_buckets()
    return Indexing()


def add_file(api, product_id: str, filename: str, content_type: str, data: bytes) -> str:
    started = api.call("POST", f"/v1/products/{product_id}/files", "alice",
                       {"filename": filename, "content_type": content_type, "size_bytes": len(data)})
    assert started.status_code == 201, started.json
    upload = started.json["upload"]
    assert requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10).status_code == 200
    file_id = started.json["file"]["file_id"]
    done = api.call("POST", f"/v1/products/{product_id}/files/{file_id}/complete", "alice")
    assert done.status_code == 200 and done.json["status"] == "ready", done.json
    return file_id


def library(api, user: str, q: str) -> list[dict]:
    response = api.call("GET", f"/v1/library/search?q={q}", user)
    assert response.status_code == 200, response.json
    return response.json["items"]


@pytest.mark.usefixtures("stripe_gateway")
def test_a_pdf_is_found_at_its_page_by_buyers_only_and_a_refund_removes_it(api, localstripe, indexing):  # noqa: F811
    api.creator("alice")
    book = api.published("alice", title="Bread Book", product_type="ebook", price_cents=1500)["product_id"]
    file_id = add_file(api, book, "guide.pdf", "application/pdf", guide_pdf())
    bought = buy(api, localstripe, book)
    assert deliver(api, succeeded(bought)).status_code == 200
    indexing.sync()

    (hit,) = library(api, "bob", "hydration+crumb")
    assert (hit["kind"], hit["product_id"], hit["file_id"], hit["filename"], hit["page"]) == (
        "file", book, file_id, "guide.pdf", 2)
    assert hit["title"] == "guide.pdf › page 2" and "Hydration" in hit["snippet"] and hit["start_seconds"] is None
    assert library(api, "carol", "hydration") == []  # never bought it

    assert deliver(api, ls.event("charge.refunded", ls.charge(bought["intent"]["id"], 1500, 1500))).status_code == 200
    assert library(api, "bob", "hydration") == []  # the refund: at once, the index untouched


def test_prompt_pack_files_give_a_hit_per_prompt_and_leave_with_their_file(api, indexing):
    from tests.support.courses import grant

    api.creator("alice")
    pack = api.published("alice", title="Sales Prompts", product_type="prompt_pack", price_cents=900)["product_id"]
    csv_id = add_file(api, pack, "prompts.csv", "text/csv",
                      b"title,prompt\nCold email,Write a cold email to a CFO\nDiscovery call,List ten discovery "
                      b"questions for a churn risk\n")
    md_id = add_file(api, pack, "playbook.md", "text/markdown",
                     b"# Playbook\n\n## Objections\nHandle the pricing objection with a calm anchor.\n")
    grant("bob", pack)
    indexing.sync()

    (row,) = library(api, "bob", "churn+discovery")
    assert (row["file_id"], row["entry"], row["title"]) == (csv_id, 2, "prompts.csv › Discovery call")
    (section,) = library(api, "bob", "pricing+objection")
    assert (section["file_id"], section["anchor"], section["page"]) == (md_id, "objections", None)

    assert api.call("DELETE", f"/v1/products/{pack}/files/{md_id}", "alice").status_code == 204
    indexing.sync()
    assert library(api, "bob", "pricing+objection") == []
    assert [hit["file_id"] for hit in library(api, "bob", "churn")] == [csv_id]


def test_replays_and_the_reindex_never_extract_twice_nor_resurrect_a_deleted_file(api, indexing, monkeypatch):
    from chalicelib.services.search import extract, indexer
    from local.pipes import _as_json
    from tests.support.courses import grant

    api.creator("alice")
    pack = api.published("alice", title="Notes", product_type="template", price_cents=500)["product_id"]
    file_id = add_file(api, pack, "notes.txt", "text/plain", b"Quarterly planning ritual for small teams.\n")
    grant("bob", pack)
    indexing.sync()
    assert [hit["file_id"] for hit in library(api, "bob", "quarterly")] == [file_id]

    calls = []
    monkeypatch.setattr(extract, "pieces", lambda *args: calls.append(args) or [])
    assert next(iter(indexer.reindex(creator_id="alice"))) is None  # one page: everything is current
    assert calls == []

    api.call("DELETE", f"/v1/products/{pack}/files/{file_id}", "alice")
    indexing.sync()
    streams = boto3.client("dynamodbstreams")
    arn = indexing.pipe.stream_arn(indexing.pipe.table_names[1])  # product-files
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = [_as_json(r) for r in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    applied = indexer.apply_records(reversed(records))  # the removal first, then the ready record, late
    assert applied.upserted == 0 and calls == []
    assert library(api, "bob", "quarterly") == []
