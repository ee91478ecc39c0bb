"""The course builder through the API: CRUD, ordering, moves, cascades, stats, ownership."""

from __future__ import annotations

import pytest


@pytest.fixture
def course(api):
    api.creator("alice")
    return api.product("alice", product_type="course", title="DynamoDB in depth", price_cents=4900)


def build(api, course, modules=2, lessons=3):
    """A course of `modules` x `lessons`; returns {module_id: [lesson_id, ...]}."""
    pid, tree = course["product_id"], {}
    for m in range(modules):
        module = api.call("POST", f"/v1/products/{pid}/modules", "alice", {"title": f"M{m}"})
        assert module.status_code == 201, module.json
        mid = module.json["module_id"]
        tree[mid] = []
        for i in range(lessons):
            lesson = api.call("POST", f"/v1/products/{pid}/modules/{mid}/lessons", "alice",
                              {"title": f"L{m}.{i}", "content": f"# Lesson {m}.{i}", "estimated_duration_seconds": 300})
            assert lesson.status_code == 201, lesson.json
            tree[mid].append(lesson.json["lesson_id"])
    return tree


def content(api, course):
    response = api.call("GET", f"/v1/products/{course['product_id']}/content", "alice")
    assert response.status_code == 200, response.json
    return response.json


def product(api, course):
    return api.call("GET", f"/v1/products/{course['product_id']}", "alice").json


def assert_dense(tree_json):
    assert [m["position"] for m in tree_json["modules"]] == list(range(len(tree_json["modules"])))
    for module in tree_json["modules"]:
        assert [lesson["position"] for lesson in module["lessons"]] == list(range(len(module["lessons"])))


def test_building_keeps_stats_and_orders(api, course):
    tree = build(api, course)
    stats = product(api, course)
    assert (stats["total_modules"], stats["total_lessons"], stats["total_duration_seconds"]) == (2, 6, 1800)
    assert stats["has_free_preview"] is False and stats["free_preview_lesson_count"] == 0
    pid, (m0, m1) = course["product_id"], list(tree)
    api.call("PATCH", f"/v1/products/{pid}/modules/{m0}", "alice", {"is_free_preview": True})
    api.call("PATCH", f"/v1/products/{pid}/lessons/{tree[m1][0]}", "alice", {"is_free_preview": True})
    stats = product(api, course)
    assert stats["has_free_preview"] is True and stats["free_preview_lesson_count"] == 4
    assert_dense(content(api, course))


def test_lessons_have_unique_slugs_and_bodies(api, course):
    pid = course["product_id"]
    mid = api.call("POST", f"/v1/products/{pid}/modules", "alice", {"title": "M"}).json["module_id"]
    first = api.call("POST", f"/v1/products/{pid}/modules/{mid}/lessons", "alice",
                     {"title": "Intro", "content": "Hello", "key_takeaways": ["one"]}).json
    second = api.call("POST", f"/v1/products/{pid}/modules/{mid}/lessons", "alice", {"title": "Intro"}).json
    assert (first["slug"], second["slug"]) == ("intro", "intro-2")
    assert first["content"] == "Hello" and first["key_takeaways"] == ["one"]
    clash = api.call("PATCH", f"/v1/products/{pid}/lessons/{second['lesson_id']}", "alice", {"slug": "intro"})
    assert clash.status_code == 409
    edited = api.call("PATCH", f"/v1/products/{pid}/lessons/{first['lesson_id']}", "alice", {"content": "New"})
    assert edited.json["content"] == "New" and edited.json["title"] == "Intro"


@pytest.mark.parametrize("url, expected", [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
])
def test_video_embeds_are_normalized(api, course, url, expected):
    pid = course["product_id"]
    mid = api.call("POST", f"/v1/products/{pid}/modules", "alice", {"title": "M"}).json["module_id"]
    lesson = api.call("POST", f"/v1/products/{pid}/modules/{mid}/lessons", "alice",
                      {"title": "Watch", "content_type": "video_embed", "video_url": url})
    assert lesson.status_code == 201 and lesson.json["video_url"] == expected


@pytest.mark.parametrize("url", ["http://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://evil.example/watch?v=x",
                                 "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
                                 "https://user@www.youtube.com/watch?v=dQw4w9WgXcQ", "javascript:alert(1)"])
def test_other_video_urls_are_refused(api, course, url):
    pid = course["product_id"]
    mid = api.call("POST", f"/v1/products/{pid}/modules", "alice", {"title": "M"}).json["module_id"]
    lesson = api.call("POST", f"/v1/products/{pid}/modules/{mid}/lessons", "alice",
                      {"title": "Watch", "content_type": "video_embed", "video_url": url})
    assert lesson.status_code == 422


def test_reorder_must_list_exactly_the_current_children(api, course):
    tree = build(api, course, modules=3, lessons=2)
    pid, mids = course["product_id"], list(tree)
    ok = api.call("PUT", f"/v1/products/{pid}/module-order", "alice", {"ids": list(reversed(mids))})
    assert ok.status_code == 200 and [m["module_id"] for m in ok.json["items"]] == list(reversed(mids))
    assert [m["module_id"] for m in content(api, course)["modules"]] == list(reversed(mids))
    for bad in (mids[:2], mids + ["mod_x"], [mids[0], mids[0], mids[1]]):
        assert api.call("PUT", f"/v1/products/{pid}/module-order", "alice", {"ids": bad}).status_code == 409
    lessons = tree[mids[0]]
    again = api.call("PUT", f"/v1/products/{pid}/modules/{mids[0]}/lesson-order", "alice",
                     {"ids": list(reversed(lessons))})
    assert [lesson["lesson_id"] for lesson in again.json["items"]] == list(reversed(lessons))
    assert_dense(content(api, course))


def test_move_a_lesson_between_modules(api, course):
    tree = build(api, course, modules=2, lessons=3)
    pid, (m0, m1) = course["product_id"], list(tree)
    moved = api.call("POST", f"/v1/products/{pid}/lessons/{tree[m0][1]}/move", "alice",
                     {"module_id": m1, "position": 0})
    assert moved.status_code == 200 and moved.json["module_id"] == m1 and moved.json["position"] == 0
    tree_json = content(api, course)
    assert_dense(tree_json)
    assert [lesson["lesson_id"] for lesson in tree_json["modules"][1]["lessons"]] == [tree[m0][1], *tree[m1]]
    assert [lesson["lesson_id"] for lesson in tree_json["modules"][0]["lessons"]] == [tree[m0][0], tree[m0][2]]
    assert api.call("POST", f"/v1/products/{pid}/lessons/{tree[m0][0]}/move", "alice",
                    {"module_id": m1, "position": 9}).status_code == 422


def test_deleting_a_module_removes_its_lessons_and_quizzes(api, course):
    from chalicelib.models.course import CourseItem

    tree = build(api, course, modules=2, lessons=2)
    pid, m0 = course["product_id"], next(iter(tree))
    quiz = api.call("POST", f"/v1/products/{pid}/quizzes", "alice", {"scope": "module", "module_id": m0,
                                                                      "title": "Check"}).json
    api.call("POST", f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}/questions", "alice",
             {"question_type": "true_false", "prompt": "Sky is blue?", "correct": [0]})
    assert api.call("DELETE", f"/v1/products/{pid}/modules/{m0}", "alice").status_code == 204
    remaining = list(CourseItem.query(pid))
    ids = {getattr(item, "lesson_id", None) for item in remaining} | {getattr(item, "quiz_id", None)
                                                                        for item in remaining}
    assert not set(tree[m0]) & ids and quiz["quiz_id"] not in ids
    assert product(api, course)["total_lessons"] == 2
    assert [m["position"] for m in content(api, course)["modules"]] == [0]


def test_quiz_and_question_crud_validates_questions(api, course):
    pid = course["product_id"]
    quiz = api.call("POST", f"/v1/products/{pid}/quizzes", "alice", {"scope": "course", "title": "Final",
                                                                      "passing_score_percent": 80}).json
    qpath = f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}/questions"
    bad = [{"question_type": "multiple_choice", "prompt": "?", "options": ["a", "b"], "correct": [0, 1]},
           {"question_type": "multiple_choice", "prompt": "?", "options": ["a"], "correct": [0]},
           {"question_type": "multi_select", "prompt": "?", "options": ["a", "b"], "correct": [2]},
           {"question_type": "multiple_choice", "prompt": "?", "options": ["a", "a"], "correct": [0]}]
    for body in bad:
        assert api.call("POST", qpath, "alice", body).status_code == 422, body
    q1 = api.call("POST", qpath, "alice", {"question_type": "multi_select", "prompt": "Pick",
                                          "options": ["a", "b", "c"], "correct": [2, 0],
                                          "explanation": "a and c"}).json
    q2 = api.call("POST", qpath, "alice", {"question_type": "true_false", "prompt": "T?", "correct": [1]}).json
    assert q1["correct"] == [0, 2] and q2["options"] == ["True", "False"]
    listed = api.call("GET", qpath, "alice").json
    assert listed["question_count"] == 2 and [q["question_id"] for q in listed["questions"]] == [
        q1["question_id"], q2["question_id"]]
    reordered = api.call("PUT", f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}/question-order", "alice",
                         {"ids": [q2["question_id"], q1["question_id"]]})
    assert reordered.status_code == 200
    assert api.call("DELETE", f"{qpath}/{q2['question_id']}", "alice").status_code == 204
    listed = api.call("GET", qpath, "alice").json
    assert listed["question_count"] == 1 and listed["questions"][0]["position"] == 0


def test_only_the_owner_builds(api, course):
    api.creator("mallory")
    tree = build(api, course, modules=1, lessons=1)
    pid, mid = course["product_id"], next(iter(tree))
    for method, path, body in [("POST", f"/v1/products/{pid}/modules", {"title": "x"}),
                               ("PATCH", f"/v1/products/{pid}/modules/{mid}", {"title": "x"}),
                               ("DELETE", f"/v1/products/{pid}/lessons/{tree[mid][0]}", None),
                               ("GET", f"/v1/products/{pid}/content", None)]:
        assert api.call(method, path, "mallory", body).status_code == 404
    assert api.call("POST", f"/v1/products/{pid}/modules", None, {"title": "x"}).status_code == 401


def test_only_courses_have_modules(api):
    api.creator("alice")
    ebook = api.product("alice")
    assert api.call("POST", f"/v1/products/{ebook['product_id']}/modules", "alice", {"title": "x"}).status_code == 422


# --- issue 11 -------------------------------------------------------------------------------------


def test_a_course_without_lessons_cannot_be_published_or_emptied(api, course):
    pid = course["product_id"]
    for _ in range(2):  # no module, then a module without lessons
        refused = api.call("POST", f"/v1/products/{pid}/publish", "alice")
        assert refused.status_code == 422
        assert refused.json["error"]["details"][0]["loc"] == ["body", "total_lessons"]
        module_id = api.call("POST", f"/v1/products/{pid}/modules", "alice", {"title": "Empty"}).json["module_id"]
    lesson = api.call("POST", f"/v1/products/{pid}/modules/{module_id}/lessons", "alice", {"title": "One"}).json
    assert api.call("POST", f"/v1/products/{pid}/publish", "alice").status_code == 200
    for path in (f"lessons/{lesson['lesson_id']}", f"modules/{module_id}"):  # the last lesson stays
        assert api.call("DELETE", f"/v1/products/{pid}/{path}", "alice").status_code == 409
    assert product(api, course)["total_lessons"] == 1


def test_inline_quizzes_are_listed_under_their_lesson(api, course):
    pid = course["product_id"]
    tree = build(api, course, modules=1, lessons=2)
    [lessons] = tree.values()
    quiz = api.call("POST", f"/v1/products/{pid}/quizzes", "alice",
                    {"scope": "inline", "lesson_id": lessons[1], "title": "Check"}).json
    outline = content(api, course)["modules"][0]
    assert [[q["quiz_id"] for q in lesson["quizzes"]] for lesson in outline["lessons"]] == [[], [quiz["quiz_id"]]]
    assert outline["quizzes"] == []  # not a module quiz
    detail = product(api, course)["outline"][0]["lessons"][1]["quizzes"]
    assert [(q["quiz_id"], q["scope"], q["lesson_id"]) for q in detail] == [(quiz["quiz_id"], "inline", lessons[1])]


def test_a_lesson_reorder_answers_full_lessons(api, course):
    pid = course["product_id"]
    [(module_id, lessons)] = build(api, course, modules=1, lessons=3).items()
    api.call("PATCH", f"/v1/products/{pid}/lessons/{lessons[0]}", "alice", {"key_takeaways": ["order matters"]})
    reordered = api.call("PUT", f"/v1/products/{pid}/modules/{module_id}/lesson-order", "alice",
                         {"ids": lessons[::-1]})
    assert reordered.status_code == 200, reordered.json
    items = reordered.json["items"]
    assert [i["lesson_id"] for i in items] == lessons[::-1] and [i["position"] for i in items] == [0, 1, 2]
    assert [i["content"] for i in items] == ["# Lesson 0.2", "# Lesson 0.1", "# Lesson 0.0"]
    assert items[2]["key_takeaways"] == ["order matters"]
