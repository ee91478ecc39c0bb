"""Who may read and use which part of a course: every caller × every kind of content, by status code and by
what the raw response text contains (locked lesson bodies, correct answers and explanations must never leak).

The course (see `make_course`): a free-preview lesson with a free inline quiz, paid lessons, a paid module
quiz and a paid final quiz. Explanations come back only in the graded response to one's own attempt.
"""

from __future__ import annotations

import pytest

from tests.support.courses import explanation_marker, grant, make_course

ROLES = ("anonymous", "buyer_without_access", "buyer_with_access", "owner", "other_creator")
USERS = {"anonymous": None, "buyer_without_access": "carol", "buyer_with_access": "bob", "owner": "alice",
         "other_creator": "mallory"}
FULL = {"buyer_with_access", "owner"}

# Reads: (what, expected status for callers with full access, for everyone else)
READS = {"free_lesson": (200, 200), "paid_lesson": (200, 403), "paid_quiz": (200, 403), "free_quiz": (200, 200)}


@pytest.fixture(scope="module")
def api(module_api):
    return module_api


@pytest.fixture(scope="module")
def course(api):
    course = make_course(api)
    api.creator("mallory")
    grant("bob", course.product_id)
    return course


@pytest.fixture(scope="module")
def draft(api):
    draft = make_course(api, publish=False)
    grant("bob", draft.product_id)  # even a grant (given while it was a draft) does not reveal a draft
    return draft


def read(api, course, what, user):
    base = f"/v1/products/{course.product_id}"
    path = {"free_lesson": f"{base}/lessons/{course.free_lesson}",
            "paid_lesson": f"{base}/lessons/{course.paid_lessons[0]}",
            "paid_quiz": f"{base}/quizzes/{course.final_quiz}",
            "free_quiz": f"{base}/quizzes/{course.free_quiz}"}[what]
    return api.call("GET", path, user)


def assert_no_answers(course, text):
    for quiz_id in course.answers:
        assert explanation_marker(quiz_id) not in text
    assert '"correct"' not in text and '"correct_answers"' not in text


def assert_only_open_bodies(course, text, readable):
    for lesson_id, marker in course.bodies.items():
        if lesson_id not in readable:
            assert marker not in text, lesson_id


@pytest.mark.parametrize("role", ROLES)
def test_reading_lessons_and_quizzes(api, course, role):
    user = USERS[role]
    for what, (full, other) in READS.items():
        response = read(api, course, what, user)
        expected = full if role in FULL else other
        assert response.status_code == expected, (role, what, response.json)
        text = response.body.decode()
        assert_no_answers(course, text)
        opened = {"free_lesson": {course.free_lesson}, "paid_lesson": {course.paid_lessons[0]}}
        assert_only_open_bodies(course, text, opened.get(what, set()) if expected == 200 else set())
        if expected == 403:
            error = response.json["error"]
            assert error["code"] == ("lesson_locked" if "lesson" in what else "quiz_locked")
            assert error["details"][0]["reason"] == "locked"
            assert "questions" not in text and "video_url" not in text


@pytest.mark.parametrize("role", ROLES)
def test_product_pages_never_carry_content_or_answers(api, course, role):
    text = api.call("GET", f"/v1/products/{course.product_id}", USERS[role]).body.decode()
    assert_no_answers(course, text)
    assert_only_open_bodies(course, text, readable=set())


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("buyer_without_access", 403),
                                          ("buyer_with_access", 200), ("owner", 409), ("other_creator", 403)])
def test_recording_progress_on_a_paid_lesson(api, course, role, status):
    response = api.call("PUT", f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[1]}/progress",
                        USERS[role], {"is_completed": True})
    assert response.status_code == status, response.json
    assert_only_open_bodies(course, response.body.decode(), readable=set())


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("buyer_without_access", 403),
                                          ("buyer_with_access", 201), ("owner", 409), ("other_creator", 403)])
def test_attempting_a_paid_quiz(api, course, role, status):
    response = api.call("POST", f"/v1/products/{course.product_id}/quizzes/{course.final_quiz}/attempts",
                        USERS[role], {"answers": course.answers[course.final_quiz]})
    assert response.status_code == status, response.json
    text = response.body.decode()
    if status == 201:  # one's own graded attempt is the one place answers and explanations appear
        assert explanation_marker(course.final_quiz) in text and '"correct_answers"' in text
    else:
        assert_no_answers(course, text)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_a_draft_course_does_not_exist_for_anyone_but_its_owner(api, draft, role):
    for what in READS:
        response = read(api, draft, what, USERS[role])
        assert response.status_code == 404, (role, what)
        assert_only_open_bodies(draft, response.body.decode(), readable=set())
        assert_no_answers(draft, response.body.decode())
