"""Explore: filters, sorting, cursor pagination, access flags."""

from __future__ import annotations

import pytest

from tests.support.emulator import prebuilt_fixture


@pytest.fixture
@prebuilt_fixture
def catalog(api):
    """alice: a fixed ebook (1500), a free course, a pwyw template (min 300); bob: a prompt pack (900)."""
    api.creator("alice")
    api.creator("bob")
    return {
        "ebook": api.published("alice", title="Ebook", product_type="ebook", price_cents=1500, page_count=90),
        "course": api.published("alice", title="Free course", product_type="course", pricing_type="free",
                                price_cents=0),
        "template": api.published("alice", title="Template", product_type="template", pricing_type="pwyw",
                                  price_cents=700, min_price_cents=300, template_format="notion"),
        "pack": api.published("bob", title="Pack", product_type="prompt_pack", price_cents=900, prompt_count=50),
        "draft": api.product("bob", title="Secret draft"),
    }


def titles(api, query="", user=None):
    response = api.call("GET", f"/v1/products{query}", user)
    assert response.status_code == 200, response.json
    return [card["title"] for card in response.json["items"]]


def test_explore_lists_published_products_newest_first(api, catalog):
    assert titles(api) == ["Pack", "Template", "Free course", "Ebook"]


@pytest.mark.parametrize("query, expected", [
    ("?product_type=ebook", ["Ebook"]),
    ("?product_type=course&pricing=free", ["Free course"]),
    ("?pricing=free", ["Free course"]),
    ("?pricing=paid", ["Pack", "Template", "Ebook"]),
    ("?pricing=freemium", []),
    ("?creator=bob", ["Pack"]),
    ("?creator=alice&pricing=paid", ["Template", "Ebook"]),
    ("?product_type=course&pricing=paid", []),
    ("?sort=price_asc", ["Free course", "Template", "Pack", "Ebook"]),
    ("?sort=price_desc&pricing=paid", ["Ebook", "Pack", "Template"]),
])
def test_filters_and_sorts(api, catalog, query, expected):
    assert titles(api, query) == expected


def test_freemium_follows_the_course_stats(api, catalog):
    from chalicelib.services.catalog import products

    course = api.published("alice", title="Paid course", product_type="course", price_cents=4900)  # builder: v2
    products.update_course_stats(course["product_id"], {"has_free_preview": True, "free_preview_lesson_count": 2,
                                                       "total_lessons": 10}, content_version=11, lesson_ids={"l1"})
    assert titles(api, "?pricing=freemium") == ["Paid course"]
    card = api.call("GET", "/v1/products?pricing=freemium").json["items"][0]
    assert card["has_free_preview"] is True and card["total_lessons"] == 10
    pid = course["product_id"]
    products.update_course_stats(pid, {"has_free_preview": False}, content_version=12, lesson_ids=set())
    products.update_course_stats(pid, {"has_free_preview": True}, content_version=11, lesson_ids=set())
    assert titles(api, "?pricing=freemium") == []


def test_cards_carry_price_type_preview_and_access(api, catalog):
    from chalicelib.models import Product
    from chalicelib.services.access import grants

    grants.grant("carol", Product.get(catalog["ebook"]["product_id"]).attribute_values, "purchased")
    cards = {c["title"]: c for c in api.call("GET", "/v1/products", "carol").json["items"]}
    assert cards["Ebook"]["has_access"] is True
    assert cards["Pack"]["has_access"] is False
    assert cards["Ebook"]["price_cents"] == 1500 and cards["Ebook"]["currency"] == "USD"
    assert cards["Ebook"]["product_type"] == "ebook" and cards["Ebook"]["has_free_preview"] is False
    anonymous = api.call("GET", "/v1/products").json["items"]
    assert not any(c["has_access"] for c in anonymous)
    owner = {c["title"]: c for c in api.call("GET", "/v1/products", "alice").json["items"]}
    assert owner["Ebook"]["has_access"] and owner["Template"]["has_access"]
    assert not owner["Pack"]["has_access"]


def test_cursor_pagination_walks_every_item_once(api, catalog):
    seen, cursor = [], None
    for _ in range(10):
        query = "?limit=1&sort=price_asc" + (f"&cursor={cursor}" if cursor else "")
        page = api.call("GET", f"/v1/products{query}").json
        seen += [c["title"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["Free course", "Template", "Pack", "Ebook"]


def test_limit_is_capped(api, catalog):
    response = api.call("GET", "/v1/products?limit=100000")
    assert response.status_code == 200 and len(response.json["items"]) == 4


@pytest.mark.parametrize("query", ["?limit=0", "?sort=random", "?product_type=video", "?pricing=cheap",
                                   "?unknown=1", "?limit=abc"])
def test_bad_queries_are_422(api, catalog, query):
    response = api.call("GET", f"/v1/products{query}")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error" and response.json["error"]["details"]


def test_cursor_cannot_be_forged_or_reused_on_another_query(api, catalog):
    cursor = api.call("GET", "/v1/products?limit=1").json["next_cursor"]
    assert api.call("GET", f"/v1/products?limit=1&cursor={cursor}").status_code == 200
    assert api.call("GET", f"/v1/products?limit=1&pricing=paid&cursor={cursor}").status_code == 400
    assert api.call("GET", "/v1/products?cursor=bogus.value").json["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("path", ["/v1/products", "/v1/orders", "/v1/library", "/v1/creator/products"])
@pytest.mark.parametrize("cursor", ["e30.%C3%A9", "%C3%A9.%C3%A9", "W10.AAAA", "bnVsbA.AAAA"])
def test_a_malformed_cursor_is_400_invalid_cursor_for_anyone(api, catalog, path, cursor):
    """Non-ASCII signatures, a payload that is JSON but not an object: 400 `invalid_cursor`, never a 500."""
    for user in (None, "alice"):
        response = api.call("GET", f"{path}?cursor={cursor}", user)
        if user is None and path != "/v1/products":
            assert response.status_code == 401
            continue
        assert response.status_code == 400, (path, cursor, user, response.json)
        assert response.json["error"]["code"] == "invalid_cursor"


def test_price_changes_and_archive_move_the_listing(api, catalog):
    ebook = catalog["ebook"]["product_id"]
    assert api.call("PATCH", f"/v1/products/{ebook}", "alice", {"price_cents": 100}).status_code == 200
    assert titles(api, "?sort=price_asc&pricing=paid") == ["Ebook", "Template", "Pack"]
    switched = api.call("PATCH", f"/v1/products/{ebook}", "alice", {"pricing_type": "free", "price_cents": 0})
    assert switched.status_code == 200
    assert titles(api, "?pricing=free") == ["Free course", "Ebook"]
    assert api.call("POST", f"/v1/products/{ebook}/archive", "alice").json["status"] == "archived"
    assert "Ebook" not in titles(api)
    assert "Ebook" not in titles(api, "?pricing=free")


def test_pay_what_you_want_from_zero_is_listed_as_free_and_paid(api, catalog):
    """Buyers may claim it at 0, so `pricing=free` finds it (before: only `paid`); a minimum above 0 stays paid."""
    api.published("alice", title="Tip jar", product_type="template", pricing_type="pwyw", price_cents=500,
                  min_price_cents=0, template_format="notion")
    assert titles(api, "?pricing=free") == ["Tip jar", "Free course"]
    assert titles(api, "?pricing=paid") == ["Tip jar", "Pack", "Template", "Ebook"]
    assert titles(api, "?product_type=template&pricing=free") == ["Tip jar"]
    tip = api.call("GET", "/v1/products?pricing=free", None).json["items"][0]["product_id"]
    raised = api.call("PATCH", f"/v1/products/{tip}", "alice", {"min_price_cents": 100})
    assert raised.status_code == 200, raised.json
    assert titles(api, "?pricing=free") == ["Free course"]
