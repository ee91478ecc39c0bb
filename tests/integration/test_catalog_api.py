"""Catalog endpoints end to end through the Chalice app, on moto."""

from __future__ import annotations


def test_create_publish_and_read(api):
    api.creator("alice")
    product = api.product("alice", title="Prompt Power", product_type="prompt_pack", prompt_count=40)
    assert product["status"] == "draft" and product["slug"] == "prompt-power"
    assert product["creator_id"] == "alice"
    published = api.call("POST", f"/v1/products/{product['product_id']}/publish", "alice").json
    assert published["status"] == "published" and published["published_at"]
    by_slug = api.call("GET", "/v1/products/prompt-power")
    assert by_slug.status_code == 200 and by_slug.json["product_id"] == product["product_id"]
    assert by_slug.json["has_access"] is False


def test_drafts_are_visible_to_their_owner_only(api):
    api.creator("alice")
    draft = api.product("alice")
    path = f"/v1/products/{draft['product_id']}"
    assert api.call("GET", path, "alice").status_code == 200
    assert api.call("GET", path, "bob").status_code == 404
    assert api.call("GET", path).status_code == 404


def test_another_creators_update_answers_404(api):
    api.creator("alice")
    api.creator("mallory")
    product = api.published("alice")
    response = api.call("PATCH", f"/v1/products/{product['product_id']}", "mallory", {"title": "Mine now"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert api.call("GET", f"/v1/products/{product['product_id']}").json["title"] == "A book"
