"""Creator writes: rules, slugs, ownership, visibility, deletion, concurrency."""

from __future__ import annotations

import pytest


@pytest.fixture
def alice(api):
    return api.creator("alice")


def test_catalog_rules_are_enforced_with_details(api, alice):
    response = api.call("POST", "/v1/products", "alice",
                        {"product_type": "ebook", "title": "x", "pricing_type": "fixed", "price_cents": 0})
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["loc"] == ["body", "price_cents"]
    for body in ({"pricing_type": "free", "price_cents": 500},
                 {"pricing_type": "fixed", "price_cents": 500, "compare_at_price_cents": 400},
                 {"pricing_type": "pwyw", "price_cents": 500},
                 {"pricing_type": "fixed", "price_cents": 500, "prompt_count": 3}):
        response = api.call("POST", "/v1/products", "alice", {"product_type": "ebook", "title": "x", **body})
        assert response.status_code == 422, body


@pytest.mark.parametrize("field, value", [("creator_id", "bob"), ("status", "published"), ("total_lessons", 3),
                                          ("has_free_preview", True), ("version", 9), ("price_cents", 9.99)])
def test_mass_assignment_is_refused(api, alice, field, value):
    product = api.product("alice")
    response = api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {field: value})
    assert response.status_code == 422
    again = api.call("GET", f"/v1/products/{product['product_id']}", "alice").json
    assert again["creator_id"] == "alice" and again["status"] == "draft" and again["total_lessons"] == 0


def test_publish_requires_a_description(api, alice):
    product = api.product("alice", description="")
    response = api.call("POST", f"/v1/products/{product['product_id']}/publish", "alice")
    assert response.status_code == 422
    assert api.call("GET", f"/v1/products/{product['product_id']}", "alice").json["status"] == "draft"


def test_a_published_product_cannot_lose_its_description(api, alice):
    product = api.published("alice")
    assert api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {"description": ""}).status_code == 422


def test_slugs_are_unique(api, alice):
    api.creator("bob")
    first = api.product("alice", title="Same Title")
    second = api.product("bob", title="Same Title")
    assert first["slug"] == "same-title" and second["slug"].startswith("same-title-")
    taken = api.call("POST", "/v1/products", "bob", {"product_type": "ebook", "title": "x", "pricing_type": "free",
                                                     "slug": "same-title"})
    assert taken.status_code == 409 and taken.json["error"]["code"] == "conflict"


def test_renaming_a_slug_frees_the_old_one(api, alice):
    product = api.published("alice", title="Old name")
    renamed = api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {"slug": "new-name"})
    assert renamed.status_code == 200 and renamed.json["slug"] == "new-name"
    assert api.call("GET", "/v1/products/new-name").json["product_id"] == product["product_id"]
    assert api.call("GET", "/v1/products/old-name").status_code == 404
    reused = api.product("alice", title="Again", slug="old-name")
    assert reused["slug"] == "old-name"
    clash = api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {"slug": "old-name"})
    assert clash.status_code == 409
    assert api.call("GET", "/v1/products/new-name").status_code == 200


def test_only_creators_can_create(api):
    response = api.call("POST", "/v1/products", "visitor",
                        {"product_type": "ebook", "title": "x", "pricing_type": "free"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_creator_account_is_idempotent(api):
    first = api.call("POST", "/v1/creator/account", "alice", {"display_name": "Alice"})
    second = api.call("POST", "/v1/creator/account", "alice", {"display_name": "Someone else"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json["display_name"] == "Alice"
    me = api.call("GET", "/v1/me", "alice").json
    assert me["is_creator"] is True and me["creator_account"]["display_name"] == "Alice"
    assert api.call("GET", "/v1/me", "bob").json["is_creator"] is False
    assert api.call("GET", "/v1/creator/account", "bob").status_code == 403


@pytest.mark.parametrize("method, suffix, body", [("PATCH", "", {"title": "x"}), ("POST", "/publish", None),
                                                  ("POST", "/archive", None), ("DELETE", "", None)])
def test_another_creator_gets_404_on_every_write(api, alice, method, suffix, body):
    api.creator("mallory")
    product = api.product("alice")
    response = api.call(method, f"/v1/products/{product['product_id']}{suffix}", "mallory", body)
    assert response.status_code == 404
    assert api.call("GET", f"/v1/products/{product['product_id']}", "alice").json["status"] == "draft"


def test_archived_products_stay_visible_to_owners_and_buyers_only(api, alice):
    from chalicelib.models import Product
    from chalicelib.services.access import grants

    product = api.published("alice")
    grants.grant("carol", Product.get(product["product_id"]).attribute_values, "purchased")
    api.call("POST", f"/v1/products/{product['product_id']}/archive", "alice")
    path = f"/v1/products/{product['product_id']}"
    assert api.call("GET", path, "carol").json["has_access"] is True
    assert api.call("GET", path, "alice").json["is_owner"] is True
    assert api.call("GET", path, "dave").status_code == 404
    assert api.call("GET", path).status_code == 404
    assert api.call("PATCH", path, "alice", {"title": "x"}).status_code == 409


def test_delete_only_for_drafts_nobody_holds(api, alice):
    from chalicelib.models import Product
    from chalicelib.services.access import grants

    draft = api.product("alice", title="Throwaway")
    assert api.call("DELETE", f"/v1/products/{draft['product_id']}", "alice").status_code == 204
    assert api.call("GET", f"/v1/products/{draft['product_id']}", "alice").status_code == 404
    assert api.product("alice", title="Throwaway")["slug"] == "throwaway"  # the slug was released
    published = api.published("alice", title="Live")
    assert api.call("DELETE", f"/v1/products/{published['product_id']}", "alice").status_code == 409
    held = api.product("alice", title="Gifted draft")
    grants.grant("carol", Product.get(held["product_id"]).attribute_values, "gifted")
    assert api.call("DELETE", f"/v1/products/{held['product_id']}", "alice").status_code == 409


def test_a_stale_write_is_a_conflict_and_changes_nothing(api, alice, monkeypatch):
    from chalicelib.models import Product
    from chalicelib.services.catalog import products

    product = api.published("alice")
    stale = Product.get(product["product_id"])
    assert api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {"title": "Fresh"}).status_code == 200
    monkeypatch.setattr(products, "get_owned", lambda creator, pid: stale)
    response = api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {"price_cents": 1})
    assert response.status_code == 409
    monkeypatch.undo()
    current = api.call("GET", f"/v1/products/{product['product_id']}").json
    assert current["title"] == "Fresh" and current["price_cents"] == 1500
    prices = [c["price_cents"] for c in api.call("GET", "/v1/products").json["items"]]
    assert prices == [1500]


def test_creator_lists_own_products_with_drafts(api, alice):
    api.creator("bob")
    api.product("alice", title="One")
    api.published("alice", title="Two")
    api.product("bob", title="Bob's")
    page = api.call("GET", "/v1/creator/products?limit=1", "alice").json
    assert [p["title"] for p in page["items"]] == ["Two"]
    rest = api.call("GET", f"/v1/creator/products?cursor={page['next_cursor']}", "alice").json
    assert [p["title"] for p in rest["items"]] == ["One"]


NOT_NULL = ("title", "slug", "description", "pricing_type", "price_cents", "currency", "refund_window_days",
            "learning_outcomes", "prerequisites")


@pytest.mark.parametrize("field", NOT_NULL)
def test_null_is_refused_alike_on_create_and_update_and_writes_nothing(api, alice, field):
    """An explicit null used to reach the table on create (AttributeNullError: a 500)."""
    created = api.call("POST", "/v1/products", "alice", {"product_type": "ebook", "title": "Nulls",
                                                         "pricing_type": "free", field: None})
    assert created.status_code == 422, created.json
    assert [d["loc"] for d in created.json["error"]["details"]] == [["body", field]]
    assert api.call("GET", "/v1/creator/products", "alice").json["items"] == []
    product = api.product("alice")
    updated = api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {field: None})
    assert updated.status_code == 422 and [d["loc"] for d in updated.json["error"]["details"]] == [["body", field]]


def test_the_document_marks_nullable_only_the_fields_that_accept_null(api, alice):
    schemas = api.call("GET", "/v1/openapi.json").json["components"]["schemas"]

    def nullable(schema: dict, name: str) -> bool:
        prop = schema["properties"][name]
        return {"type": "null"} in prop.get("anyOf", []) or prop.get("type") == "null"

    for model in ("ProductCreate", "ProductUpdate"):
        assert not any(nullable(schemas[model], name) for name in NOT_NULL if name in schemas[model]["properties"])
    assert nullable(schemas["ProductUpdate"], "cover_image_url")
    product = api.product("alice", cover_image_url="https://img.test/a.png")
    cleared = api.call("PATCH", f"/v1/products/{product['product_id']}", "alice", {"cover_image_url": None})
    assert cleared.status_code == 200 and cleared.json["cover_image_url"] is None
