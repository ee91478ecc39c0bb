"""Journeys over real HTTP against the local runtime `make run` starts, with tokens from its own IdP key."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from local import logs
from local.identity import LocalIdp

DEMO_TYPES = {"course", "prompt_pack", "template", "ebook", "bundle"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [card["product_id"] for card in response.json()["items"]]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


def test_health_and_openapi(stack):
    assert stack.call("GET", "/v1/health").json() == {"status": "ok", "stage": "dev"}
    document = stack.call("GET", "/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1") and "/v1/products" in document["paths"]


def test_demo_catalog_is_seeded_with_every_product_type(stack):
    demo = stack.call("GET", "/v1/products", params={"creator": "demo-creator"}).json()["items"]
    assert {card["product_type"] for card in demo} == DEMO_TYPES and len(demo) == 5
    assert {card["pricing_type"] for card in demo} == {"fixed", "pwyw", "free"}
    everyone = stack.call("GET", "/v1/products", params={"limit": 50}).json()["items"]
    assert {card["product_id"] for card in demo} <= {card["product_id"] for card in everyone}

    as_buyer = stack.call("GET", "/v1/products", "demo-buyer", params={"creator": "demo-creator"}).json()["items"]
    owned = {card["product_type"] for card in as_buyer if card["has_access"]}
    assert owned == {"course", "ebook"}  # the course, and the ebook they were gifted (and reviewed)
    assert not any(card["has_access"] for card in demo)  # anonymous

    me = stack.call("GET", "/v1/me", "demo-creator").json()
    assert me["is_creator"] and me["creator_account"]["display_name"] == "Dana Demo"


def test_a_new_creator_publishes_two_types_and_explore_filters_them(stack):
    creator = unique("e2e-creator")
    body = {"product_type": "prompt_pack", "title": "Prompts for Podcasters", "pricing_type": "fixed",
            "price_cents": 2500, "prompt_count": 75, "description": "Show notes, titles and guest research."}
    assert_error(stack.call("POST", "/v1/products", creator, body=body), 403, "forbidden")
    assert stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Pat Podcast"}).status_code == 201
    assert stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Pat Podcast"}).status_code == 200

    pack = stack.call("POST", "/v1/products", creator, body=body)
    assert pack.status_code == 201, pack.text
    ebook = stack.call("POST", "/v1/products", creator, body={
        "product_type": "ebook", "title": "Audio Gear on a Budget", "pricing_type": "free", "price_cents": 0,
        "page_count": 30, "description": "Microphones, interfaces and rooms that sound good for little money."})
    assert ebook.status_code == 201, ebook.text
    pack_id, ebook_id = pack.json()["product_id"], ebook.json()["product_id"]
    mine = {"creator": creator}
    assert ids(stack.call("GET", "/v1/products", params=mine)) == []  # drafts are not listed

    for product_id in (pack_id, ebook_id):
        published = stack.call("POST", f"/v1/products/{product_id}/publish", creator)
        assert published.status_code == 200 and published.json()["status"] == "published"

    def explore(**params) -> set[str]:
        return set(ids(stack.call("GET", "/v1/products", params=params)))

    assert explore(**mine) == {pack_id, ebook_id}
    assert explore(**mine, product_type="prompt_pack") == {pack_id}
    assert explore(**mine, product_type="ebook") == {ebook_id}
    assert explore(**mine, product_type="course") == set()
    assert explore(**mine, pricing="free") == {ebook_id}
    assert explore(**mine, pricing="paid") == {pack_id}
    assert ebook_id in explore(product_type="ebook", pricing="free", limit=50)
    assert ebook_id not in explore(product_type="ebook", pricing="paid", limit=50)
    assert pack_id not in explore(product_type="template", limit=50)
    assert explore(creator="demo-creator").isdisjoint({pack_id, ebook_id})
    assert ids(stack.call("GET", "/v1/products", params={**mine, "sort": "price_asc"})) == [ebook_id, pack_id]
    assert ids(stack.call("GET", "/v1/products", params={**mine, "sort": "price_desc"})) == [pack_id, ebook_id]

    detail = stack.call("GET", f"/v1/products/{pack.json()['slug']}")
    assert detail.status_code == 200 and detail.json()["product_id"] == pack_id
    assert {p["product_id"] for p in stack.call("GET", "/v1/creator/products", creator).json()["items"]} == {
        pack_id, ebook_id}


def test_another_creators_product_answers_404(stack):
    owner, intruder = unique("e2e-owner"), unique("e2e-intruder")
    for user in (owner, intruder):
        stack.call("POST", "/v1/creator/account", user, body={"display_name": user})
    created = stack.call("POST", "/v1/products", owner, body={
        "product_type": "template", "title": "Launch Checklist", "pricing_type": "pwyw", "price_cents": 800,
        "min_price_cents": 300, "template_format": "figma", "description": "Every step of a product launch."})
    product_id = created.json()["product_id"]

    assert_error(stack.call("PATCH", f"/v1/products/{product_id}", intruder, body={"title": "Mine"}), 404,
                 "not_found")
    assert_error(stack.call("POST", f"/v1/products/{product_id}/publish", intruder), 404, "not_found")
    assert_error(stack.call("DELETE", f"/v1/products/{product_id}", intruder), 404, "not_found")
    assert_error(stack.call("GET", f"/v1/products/{product_id}", intruder), 404, "not_found")  # a draft
    assert stack.call("GET", f"/v1/products/{product_id}", owner).json()["title"] == "Launch Checklist"


def test_anonymous_writes_answer_401(stack):
    body = {"product_type": "ebook", "title": "Anon", "pricing_type": "free"}
    error = assert_error(stack.call("POST", "/v1/products", body=body), 401, "unauthorized")
    assert "token" in error["message"]
    assert stack.call("POST", "/v1/products", body=body).headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(stack.call("GET", "/v1/me"), 401, "unauthorized")


@pytest.mark.parametrize("forge", ["other_key_same_kid", "expired", "wrong_audience", "wrong_issuer", "garbage"])
def test_forged_or_stale_tokens_answer_401(stack, forge):
    forged = {
        "other_key_same_kid": lambda: LocalIdp.generate(kid=stack.idp.kid).mint("demo-creator"),
        "expired": lambda: stack.token("demo-creator", ttl_seconds=-60),
        "wrong_audience": lambda: stack.token("demo-creator", aud="someone-else"),
        "wrong_issuer": lambda: stack.token("demo-creator", iss="https://evil.example"),
        "garbage": lambda: "not.a.jwt",
    }[forge]()
    assert_error(stack.call("GET", "/v1/creator/products", token=forged), 401, "unauthorized")
    assert stack.call("GET", "/v1/creator/products", "demo-creator").status_code == 200  # the real key works


def test_invalid_input_uses_the_error_envelope(stack):
    creator = unique("e2e-validator")
    stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Val"})
    response = stack.call("POST", "/v1/products", creator, body={
        "product_type": "course", "title": "Floaty", "pricing_type": "fixed", "price_cents": 9.99})
    error = assert_error(response, 422, "validation_error")
    assert any(detail["loc"][-1] == "price_cents" for detail in error["details"])


def json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def test_the_console_is_json_lines_and_the_banner(stack):
    """What `make run` prints: the app's request and handler lines, EMF metric lines and the runner's records, all
    JSON; the banner is the only other text (no botocore/PynamoDB chatter, no `chalice local` access log)."""
    marker = unique("console")
    assert stack.call("GET", "/v1/health", headers={"X-Correlation-Id": marker}).status_code == 200
    deadline = time.monotonic() + 10
    while marker not in stack.log_path.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = stack.log_path.read_text(errors="replace").splitlines()
    request = [json.loads(line) for line in lines if marker in line]
    assert [(line["message"], line["path"], line["status"]) for line in request] == [("request", "/v1/health", 200)]

    other = [number for number, line in enumerate(lines) if not json_object(line)]
    stray = [(number, lines[number][:300]) for position, number in enumerate(other) if number != other[0] + position]
    assert not stray, stray[:5]  # the first non-JSON line out of the banner's block, and a few after it
    banner = lines[other[0]:other[-1] + 1]  # one block, from its blank line to the blank line that ends it
    assert banner[0] == "" and banner[1].startswith("Creator Marketplace is running") and banner[-1] == ""
    records = [json.loads(line) for line in lines if json_object(line) and "logger" in json.loads(line)]
    assert records and all(len(record["message"]) <= logs.MAX_MESSAGE_CHARS + 1 for record in records)  # cut


