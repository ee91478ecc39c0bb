"""Search over real HTTP in the local runtime (issue 14): the demo catalog is indexed from the products stream when
`make run` starts, a product published through the API becomes searchable within seconds (the stream, the pipe, the
FIFO queue and the event pump, on their own timers), and archiving it takes it out again; a file uploaded to a
product reaches its holders' library search the same way (the product-files stream)."""

from __future__ import annotations

import time
import uuid


def _found(stack, query: str) -> list[str]:
    response = stack.call("GET", "/v1/search", params={"q": query})
    assert response.status_code == 200, response.text
    return [item["product_id"] for item in response.json()["items"]]


def _within(seconds: float, condition) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.2)
    return time.monotonic() - started


def test_published_products_become_searchable_and_archived_ones_leave(stack):
    demo = stack.call("GET", "/v1/search", params={"q": "prompts for marketers"}).json()
    assert demo["intent"]["product_type"] == "prompt_pack" and demo["items"], demo
    creator, word = f"e2e-search-{uuid.uuid4().hex[:6]}", f"zyx{uuid.uuid4().hex[:6]}"
    assert stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Sam"}).status_code == 201
    created = stack.call("POST", "/v1/products", creator, body={
        "product_type": "ebook", "title": f"The {word} field guide", "description": "Everything about it",
        "pricing_type": "fixed", "price_cents": 700}).json()
    assert created["product_id"] not in _found(stack, word)  # drafts are never indexed
    assert stack.call("POST", f"/v1/products/{created['product_id']}/publish", creator).status_code == 200
    delay = _within(20, lambda: created["product_id"] in _found(stack, word))
    print(f"publish -> searchable on the local runtime: {delay:.1f} s")
    assert stack.call("POST", f"/v1/products/{created['product_id']}/archive", creator).status_code == 200
    _within(20, lambda: created["product_id"] not in _found(stack, word))


def test_a_files_text_becomes_searchable_for_its_holders_only(stack):
    import requests

    creator, buyer, word = f"e2e-files-{uuid.uuid4().hex[:6]}", f"e2e-reader-{uuid.uuid4().hex[:6]}", \
        f"qv{uuid.uuid4().hex[:6]}"
    assert stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Fay"}).status_code == 201
    book = stack.call("POST", "/v1/products", creator, body={
        "product_type": "ebook", "title": "Field notes", "description": "Notes", "pricing_type": "free"}).json()
    pid = book["product_id"]
    assert stack.call("POST", f"/v1/products/{pid}/publish", creator).status_code == 200
    data = f"# Notes\n\n## Storage\nKeep the {word} samples cold.\n".encode()
    started = stack.call("POST", f"/v1/products/{pid}/files", creator, body={
        "filename": "notes.md", "content_type": "text/markdown", "size_bytes": len(data)}).json()
    upload = started["upload"]
    assert requests.put(upload["url"], data=data, headers=upload["headers"], timeout=10).status_code == 200
    file_id = started["file"]["file_id"]
    assert stack.call("POST", f"/v1/products/{pid}/files/{file_id}/complete", creator).json()["status"] == "ready"
    assert stack.call("POST", f"/v1/products/{pid}/checkout", buyer, body={}).status_code in (200, 201)

    def hits(user: str) -> list[dict]:
        response = stack.call("GET", "/v1/library/search", user, params={"q": word})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    delay = _within(20, lambda: bool(hits(buyer)))
    print(f"file ready -> searchable in the library on the local runtime: {delay:.1f} s")
    (hit,) = hits(buyer)
    assert (hit["kind"], hit["file_id"], hit["anchor"]) == ("file", file_id, "storage")
    assert hits(f"e2e-stranger-{uuid.uuid4().hex[:6]}") == []
