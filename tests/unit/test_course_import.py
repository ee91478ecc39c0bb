"""The import's pure parts: the document schema, the canonical hash, derived ids and the plan."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.errors import InvalidInput
from chalicelib.handlers.import_course import _path
from chalicelib.schemas.course_import import CourseImport
from chalicelib.services.courses.importer import derived_id, document_hash, plan_import
from chalicelib.services.courses.store import MAX_CHILDREN

YOUTU_BE = "https://youtu.be/dQw4w9WgXcQ"


def doc(*modules: dict) -> dict:
    return CourseImport.model_validate({"course": {"modules": list(modules)}}).model_dump(mode="json")


@pytest.mark.parametrize("document, loc", [
    ({"course": {"modules": [{"title": 1}]}}, ("course", "modules", 0, "title")),
    ({"course": {"modules": [{"lessons": [{"content": None}]}]}}, ("course", "modules", 0, "lessons", 0, "content")),
    ({"course": {"modules": [{"lessons": [{"key_takeaways": [""]}]}]}},
     ("course", "modules", 0, "lessons", 0, "key_takeaways", 0)),
    ({"course": {"modules": [{"lessons": {}}]}}, ("course", "modules", 0, "lessons")),
    ({"course": {"modules": [], "version": 2}}, ("course", "version")),
    ({"modules": []}, ("course",)),
])
def test_the_schema_is_strict_and_names_the_path(document, loc):
    with pytest.raises(ValidationError) as info:
        CourseImport.model_validate(document)
    assert loc in [error["loc"] for error in info.value.errors()]


def test_the_hash_ignores_key_order_and_layout_but_not_content():
    one = {"course": {"modules": [{"title": "A", "description": "d"}]}}
    same = {"course": {"modules": [{"description": "d", "title": "A"}]}}
    other = {"course": {"modules": [{"title": "B", "description": "d"}]}}
    assert document_hash(one) == document_hash(same) != document_hash(other)
    assert doc({"title": "  A  "}) == doc({"title": "A", "lessons": []})  # defaults and stripping are canonical


def test_ids_are_derived_from_product_document_and_position():
    assert derived_id("les", "prd_1", "h", 0, 1) == derived_id("les", "prd_1", "h", 0, 1)
    assert len({derived_id("les", p, h, *i) for p in ("prd_1", "prd_2") for h in ("h", "g")
                for i in ((0, 1), (1, 0), (0, 10))}) == 12
    assert derived_id("mod", "prd_1", "h", 0).startswith("mod_")


def test_the_plan_names_places_and_frees_lessons():
    plan = plan_import("prd_1", doc(
        {"lessons": [{"title": "Intro"}, {"video_url": YOUTU_BE}, {"title": " "}]},
        {"title": "Two", "description": "second", "lessons": [{}]},
    ))
    assert [(m.title, m.position, m.is_free_preview) for m in plan.modules] == [("Module 1", 0, True),
                                                                              ("Two", 1, False)]
    assert [(lesson.title, lesson.slug, lesson.position, lesson.is_free_preview) for lesson in plan.lessons] == [
        ("Intro", "lesson-1-1", 0, True), ("Lesson 2", "lesson-1-2", 1, True), ("Lesson 3", "lesson-1-3", 2, False),
        ("Lesson 1", "lesson-2-1", 0, False)]
    assert [(lesson.content_type, lesson.video_url) for lesson in plan.lessons[:2]] == [
        ("text", None), ("video_embed", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")]
    assert plan.lessons[3].module_id == plan.modules[1].module_id
    assert [body.lesson_id for body in plan.bodies] == [lesson.lesson_id for lesson in plan.lessons]
    result = plan.result(already_imported=False)
    assert (result["module_count"], result["lesson_count"]) == (2, 4)
    assert result["modules"][1]["lesson_ids"] == [plan.lessons[3].lesson_id]


def test_the_same_document_plans_the_same_items():
    document = doc({"lessons": [{"title": "a"}, {"title": "b"}]})
    first, again = plan_import("prd_1", document), plan_import("prd_1", document)
    assert [item.sk for item in first.modules + first.lessons] == [item.sk for item in again.modules + again.lessons]


def test_every_problem_is_reported_at_its_path_before_anything_is_planned():
    too_many = [{} for _ in range(MAX_CHILDREN + 1)]
    document = doc({"lessons": [{"video_url": "https://vimeo.com/76979871"}, {"video_url": "http://youtu.be/x"}]},
                   {"lessons": too_many})
    with pytest.raises(InvalidInput) as info:
        plan_import("prd_1", document)
    assert [detail["loc"] for detail in info.value.details] == [
        ["body", "course", "modules", 0, "lessons", 0, "video_url"],
        ["body", "course", "modules", 0, "lessons", 1, "video_url"],
        ["body", "course", "modules", 1, "lessons"]]


def test_a_course_holds_at_most_max_children_modules():
    plan_import("prd_1", doc(*[{} for _ in range(MAX_CHILDREN)]))
    with pytest.raises(InvalidInput) as info:
        plan_import("prd_1", doc(*[{} for _ in range(MAX_CHILDREN + 1)]))
    assert info.value.details[0]["loc"] == ["body", "course", "modules"]


@pytest.mark.parametrize("loc, text", [
    (["body", "course", "modules", 1, "lessons", 0, "title"], "course.modules[1].lessons[0].title"),
    (["course", "modules"], "course.modules"),
    (["body"], "(document)"),
])
def test_cli_paths_read_like_the_file(loc, text):
    assert _path(loc) == text
