"""The unified library: every owned product type, courses with progress, most recent activity first,
cursor pagination, and a constant number of DynamoDB calls per page."""

from __future__ import annotations

import pytest

from tests.support.courses import grant, make_course, progress
from tests.support.emulator import count_calls, prebuilt_fixture


@pytest.fixture
@prebuilt_fixture
def shelf(api):
    """Alice's catalog: two courses and one product of every other type, all published."""
    course_a = make_course(api)
    course_b = make_course(api)
    others = {kind: api.published("alice", product_type=kind, title=f"A {kind}", **extra)["product_id"]
              for kind, extra in (("ebook", {}), ("prompt_pack", {"prompt_count": 10}),
                                  ("template", {"template_format": "notion"}))}
    return {"course_a": course_a, "course_b": course_b, **others}


def library(api, user, query=""):
    response = api.call("GET", f"/v1/library{query}", user)
    assert response.status_code == 200, response.json
    return response.json


def test_every_owned_type_newest_activity_first_with_course_progress(api, shelf):
    course_a, course_b = shelf["course_a"], shelf["course_b"]
    for product_id in (course_a.product_id, shelf["ebook"], shelf["prompt_pack"], course_b.product_id,
                       shelf["template"]):
        grant("bob", product_id)
    order = [item["product"]["product_id"] for item in library(api, "bob")["items"]]
    assert order == [shelf["template"], course_b.product_id, shelf["prompt_pack"], shelf["ebook"], course_a.product_id]
    assert progress(api, "bob", course_a, course_a.free_lesson, {"is_completed": True}).status_code == 200
    items = library(api, "bob")["items"]
    assert [item["product"]["product_id"] for item in items][:2] == [course_a.product_id, shelf["template"]]
    assert {item["product"]["product_type"] for item in items} == {"course", "ebook", "prompt_pack", "template"}
    first = items[0]
    assert first["access_type"] == "purchased" and first["product"]["title"] == "Learning DynamoDB"
    assert {k: first["progress"][k] for k in ("lessons_completed", "total_lessons", "progress_percent",
                                              "is_completed", "last_lesson_id")} == {
        "lessons_completed": 1, "total_lessons": 3, "progress_percent": 33, "is_completed": False,
        "last_lesson_id": course_a.free_lesson}
    assert first["last_activity_at"] > items[1]["last_activity_at"]
    assert all(item["progress"] is None for item in items if item["product"]["product_type"] != "course")


def test_revoked_grants_are_skipped_and_a_preview_learner_finds_their_course(api, shelf):
    """Issue 11 item 16: a learner who started a course through its free preview finds it in the library with
    `access_type: preview` (and it stays not owned anywhere else); buying it turns the same item into a purchase."""
    from chalicelib.models import AccessGrant

    grant("bob", shelf["ebook"])
    grant("bob", shelf["template"])
    AccessGrant("bob", shelf["template"]).update(actions=[AccessGrant.status.set("revoked")])
    course = shelf["course_a"]
    assert api.call("POST", f"/v1/products/{course.product_id}/enroll", "bob").json["access_type"] == "preview"
    items = library(api, "bob")["items"]
    assert [(item["product"]["product_id"], item["access_type"]) for item in items] == [
        (course.product_id, "preview"), (shelf["ebook"], "purchased")]
    assert items[0]["progress"]["lessons_completed"] == 0
    detail = api.call("GET", f"/v1/products/{course.product_id}", "bob").json
    assert (detail["has_access"], detail["access_reason"]) == (False, None)
    grant("bob", course.product_id)
    items = library(api, "bob")["items"]
    assert [(item["product"]["product_id"], item["access_type"]) for item in items][:1] == [
        (course.product_id, "purchased")]
    assert library(api, "carol") == {"items": [], "next_cursor": None}
    assert api.call("GET", "/v1/library").status_code == 401


def test_preview_progress_moves_the_course_up_the_library(api, shelf):
    course = shelf["course_a"]
    api.call("POST", f"/v1/products/{course.product_id}/enroll", "bob")
    grant("bob", shelf["ebook"])
    assert library(api, "bob")["items"][0]["product"]["product_id"] == shelf["ebook"]
    progress(api, "bob", course, course.free_lesson, {"is_completed": True})
    first = library(api, "bob")["items"][0]
    assert (first["product"]["product_id"], first["access_type"]) == (course.product_id, "preview")
    assert first["progress"]["lessons_completed"] == 1


def test_pages_follow_the_cursor_which_is_bound_to_the_caller(api, shelf):
    owned = [shelf["ebook"], shelf["prompt_pack"], shelf["template"], shelf["course_a"].product_id]
    for product_id in owned:
        grant("bob", product_id)
        grant("carol", product_id)
    first = library(api, "bob", "?limit=3")
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = library(api, "bob", f"?limit=3&cursor={first['next_cursor']}")
    assert [item["product"]["product_id"] for item in first["items"] + second["items"]] == list(reversed(owned))
    assert second["next_cursor"] is None
    stolen = api.call("GET", f"/v1/library?limit=3&cursor={first['next_cursor']}", "carol")
    assert stolen.status_code == 400


def test_a_page_costs_the_same_calls_for_one_or_many_products(api, shelf):
    grant("bob", shelf["course_a"].product_id)
    for product_id in (shelf["course_a"].product_id, shelf["course_b"].product_id, shelf["ebook"],
                       shelf["prompt_pack"], shelf["template"]):
        grant("carol", product_id)
    for course in (shelf["course_a"], shelf["course_b"]):
        progress(api, "carol", course, course.free_lesson, {"is_completed": True})
    counts = {}
    for user in ("bob", "carol"):
        with count_calls() as calls:
            library(api, user)
        counts[user] = dict(calls)
    assert counts["bob"] == counts["carol"] == {"Query": 1, "BatchGetItem": 2}
