"""Reviews over HTTP: who may write them, one per buyer, edits and deletes, replies, votes, reports, listings, and
the product's aggregates on the detail page and explore cards. Refunds and disputes: test_review_visibility.py;
concurrency: test_review_concurrency.py."""

from __future__ import annotations

import pytest

from tests.support.courses import grant
from tests.support.orders import make_order


@pytest.fixture
def product_id(api):
    api.creator("alice")
    return api.published("alice", title="Reviewed book")["product_id"]


def _review(api, user, product_id, rating=5, text="Great"):
    return api.call("POST", f"/v1/products/{product_id}/reviews", user, {"rating": rating, "text": text})


def _rating(api, product_id):
    return api.call("GET", f"/v1/products/{product_id}").json["rating_summary"]


def test_only_holders_of_active_access_review_once_and_never_the_creator(api, product_id):
    assert _review(api, "bob", product_id).json["error"]["code"] == "not_a_buyer"
    assert _review(api, "alice", product_id).json["error"]["code"] == "owner_cannot_review"
    make_order(api, product_id=product_id, buyer="bob", grant=True)
    created = _review(api, "bob", product_id, 4, "Solid")
    assert created.status_code == 201, created.json
    assert created.json["is_verified_buyer"] and created.json["is_visible"] and created.json["reviewer_name"] == "Bob"
    assert "bob" not in str(created.json["review_id"])
    again = _review(api, "bob", product_id, 1)
    assert again.status_code == 409 and again.json["error"]["code"] == "review_exists"
    grant("carol", product_id, "gifted")
    assert not _review(api, "carol", product_id, 2).json["is_verified_buyer"]  # a gift, not a purchase
    assert _rating(api, product_id) == {"count": 2, "average_rating_hundredths": 300, "histogram": [
        {"rating": 1, "count": 0}, {"rating": 2, "count": 1}, {"rating": 3, "count": 0}, {"rating": 4, "count": 1},
        {"rating": 5, "count": 0}]}


def test_the_author_edits_and_deletes_and_the_aggregates_follow(api, product_id):
    grant("bob", product_id)
    _review(api, "bob", product_id, 2, "Meh")
    mine = f"/v1/products/{product_id}/reviews/mine"
    edited = api.call("PATCH", mine, "bob", {"rating": 5})
    assert edited.status_code == 200 and edited.json["is_edited"] and edited.json["text"] == "Meh"
    assert edited.json["rating"] == 5 and _rating(api, product_id)["average_rating_hundredths"] == 500
    assert api.call("PATCH", mine, "carol", {"rating": 1}).status_code == 404  # nobody else's
    assert api.call("DELETE", mine, "bob").status_code == 204
    assert _rating(api, product_id)["count"] == 0 and api.call("GET", mine, "bob").status_code == 404
    assert _review(api, "bob", product_id, 3).status_code == 201  # a deleted review may be written again


def test_text_is_plain_and_bounded_and_ratings_are_1_to_5(api, product_id):
    grant("bob", product_id)
    assert _review(api, "bob", product_id, 6).status_code == 422
    assert _review(api, "bob", product_id, 0).status_code == 422
    assert _review(api, "bob", product_id, 4, "x" * 5001).status_code == 422
    assert _review(api, "bob", product_id, 4, "").status_code == 201  # empty text is allowed


def test_listing_sorts_filters_and_pages(api, product_id):
    for user, rating in (("u1", 3), ("u2", 5), ("u3", 1), ("u4", 5)):
        grant(user, product_id)
        assert _review(api, user, product_id, rating, f"by {user}").status_code == 201
    path = f"/v1/products/{product_id}/reviews"
    ids = {r["text"]: r["review_id"] for r in api.call("GET", path).json["items"]}
    assert [r["text"] for r in api.call("GET", path).json["items"]] == ["by u4", "by u3", "by u2", "by u1"]
    for voter in ("v1", "v2"):
        voted = api.call("POST", f"{path}/{ids['by u1']}/helpful", voter)
        assert voted.status_code == 200 and voted.json["is_counted"]
    repeat = api.call("POST", f"{path}/{ids['by u1']}/helpful", "v1")
    assert not repeat.json["is_counted"] and repeat.json["review"]["helpful_count"] == 2
    assert api.call("POST", f"{path}/{ids['by u1']}/helpful", "u1").status_code == 403  # not one's own
    api.call("POST", f"{path}/{ids['by u4']}/helpful", "v1")

    def texts(query):
        return [r["text"] for r in api.call("GET", f"{path}?{query}").json["items"]]

    assert texts("sort=helpful") == ["by u1", "by u4", "by u3", "by u2"]
    assert texts("sort=highest") == ["by u4", "by u2", "by u1", "by u3"]
    assert texts("sort=lowest")[0] == "by u3"
    assert texts("rating=5") == ["by u4", "by u2"]
    assert texts("rating=5&sort=helpful") == ["by u4", "by u2"]
    first = api.call("GET", f"{path}?limit=3").json
    rest = api.call("GET", f"{path}?limit=3&cursor={first['next_cursor']}").json
    assert len(first["items"]) == 3 and [r["text"] for r in rest["items"]] == ["by u1"]
    assert api.call("GET", f"{path}?sort=helpful&cursor={first['next_cursor']}").status_code == 400


def test_the_creator_replies_once_and_edits_and_reads_reports(api, product_id):
    grant("bob", product_id)
    review_id = _review(api, "bob", product_id, 4).json["review_id"]
    reply = f"/v1/products/{product_id}/reviews/{review_id}/reply"
    assert api.call("PUT", reply, "bob", {"text": "mine"}).status_code == 404  # only the product's creator
    first = api.call("PUT", reply, "alice", {"text": "Thanks!"})
    assert first.status_code == 200 and first.json["reply"]["text"] == "Thanks!"
    assert first.json["reply"]["edited_at"] is None
    edited = api.call("PUT", reply, "alice", {"text": "Thanks a lot!"}).json["reply"]
    assert edited["text"] == "Thanks a lot!" and edited["edited_at"] is not None
    report = f"/v1/products/{product_id}/reviews/{review_id}/reports"
    assert api.call("POST", report, "carol", {"reason": "spam"}).json == {"is_new": True}
    assert api.call("POST", report, "carol", {"reason": "spam"}).json == {"is_new": False}
    listed = api.call("GET", f"/v1/products/{product_id}/reviews").json["items"]
    assert [r["review_id"] for r in listed] == [review_id]  # reported reviews stay visible
    queue = api.call("GET", f"/v1/products/{product_id}/review-reports", "alice")
    assert queue.status_code == 200 and [(r["review_id"], r["reason"]) for r in queue.json["items"]] == [
        (review_id, "spam")] and "carol" not in str(queue.json)
    assert api.call("GET", f"/v1/products/{product_id}/review-reports", "bob").status_code == 404


def test_explore_cards_carry_the_aggregates_and_sort_by_rating(api, product_id):
    other = api.published("alice", title="Other book")["product_id"]
    grant("bob", product_id)
    grant("bob", other)
    _review(api, "bob", product_id, 3)
    _review(api, "bob", other, 5)
    cards = api.call("GET", "/v1/products?sort=rating").json["items"]
    assert [c["product_id"] for c in cards] == [other, product_id]
    assert cards[0]["rating_summary"]["average_rating_hundredths"] == 500 and cards[1]["rating_summary"]["count"] == 1
    api.call("PATCH", f"/v1/products/{other}/reviews/mine", "bob", {"rating": 1})
    assert [c["product_id"] for c in api.call("GET", "/v1/products?sort=rating").json["items"]] == [
        product_id, other]
