"""The course journey over real HTTP in the local runtime: build → preview with locks → learn → certificate."""

from __future__ import annotations

import uuid


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def test_creator_builds_buyer_learns_and_gets_a_certificate(stack):
    creator, buyer = f"teacher-{uuid.uuid4().hex[:6]}", f"learner-{uuid.uuid4().hex[:6]}"
    ok(stack.call("POST", "/v1/creator/account", creator, body={"display_name": "Teacher"}), 201)
    course = ok(stack.call("POST", "/v1/products", creator, body={
        "product_type": "course", "title": f"Serverless {creator}", "pricing_type": "fixed", "price_cents": 3900,
        "description": "Build and ship serverless apps"}), 201)
    pid = course["product_id"]

    # The creator builds: two modules, the first a free preview, three lessons, a final quiz.
    intro = ok(stack.call("POST", f"/v1/products/{pid}/modules", creator,
                          body={"title": "Welcome", "is_free_preview": True}), 201)
    deep = ok(stack.call("POST", f"/v1/products/{pid}/modules", creator, body={"title": "Deep dive"}), 201)
    free = ok(stack.call("POST", f"/v1/products/{pid}/modules/{intro['module_id']}/lessons", creator,
                         body={"title": "Hello", "content": "FREE-LESSON-TEXT",
                               "estimated_duration_seconds": 180}), 201)
    paid = [ok(stack.call("POST", f"/v1/products/{pid}/modules/{deep['module_id']}/lessons", creator,
                          body={"title": f"Part {i}", "content": f"PAID-LESSON-TEXT-{i}",
                                "estimated_duration_seconds": 600}), 201) for i in (1, 2)]
    quiz = ok(stack.call("POST", f"/v1/products/{pid}/quizzes", creator,
                         body={"scope": "course", "title": "Final", "passing_score_percent": 100}), 201)
    question = ok(stack.call("POST", f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}/questions", creator,
                             body={"question_type": "multi_select", "prompt": "Which are AWS services?",
                                   "options": ["Lambda", "Excel", "DynamoDB"], "correct": [0, 2],
                                   "explanation": "SECRET-EXPLANATION"}), 201)
    ok(stack.call("POST", f"/v1/products/{pid}/publish", creator))

    # The buyer sees the outline with locks, and no paid content anywhere.
    detail = stack.call("GET", f"/v1/products/{pid}", buyer)
    assert "PAID-LESSON-TEXT" not in detail.text and "SECRET-EXPLANATION" not in detail.text
    detail = ok(detail)
    assert detail["total_lessons"] == 3 and detail["has_free_preview"] is True
    assert detail["lesson_access"][free["lesson_id"]] == {"is_accessible": True, "reason": "free_preview"}
    assert detail["lesson_access"][paid[0]["lesson_id"]] == {"is_accessible": False, "reason": "locked"}
    assert [m["title"] for m in detail["outline"]] == ["Welcome", "Deep dive"]

    # A free lesson reads; a paid one is 403 with a reason and without its content.
    assert ok(stack.call("GET", f"/v1/products/{pid}/lessons/{free['lesson_id']}", buyer))["content"] == \
        "FREE-LESSON-TEXT"
    locked = stack.call("GET", f"/v1/products/{pid}/lessons/{paid[0]['lesson_id']}", buyer)
    assert locked.status_code == 403 and "PAID-LESSON-TEXT" not in locked.text
    assert locked.json()["error"]["code"] == "lesson_locked"
    quiz_view = stack.call("GET", f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}", buyer)
    assert quiz_view.status_code == 403 and "SECRET-EXPLANATION" not in quiz_view.text

    # The creator grants access (the paid checkout arrives with the commerce issue).
    ok(stack.call("POST", f"/v1/products/{pid}/grants", creator,
                  body={"user_id": buyer, "access_type": "gifted"}), 201)
    assert ok(stack.call("GET", f"/v1/products/{pid}", buyer))["access_reason"] == "gifted"

    # The learner completes every lesson (one twice) and passes the final quiz.
    for lesson in (free, *paid, paid[0]):
        ok(stack.call("PUT", f"/v1/products/{pid}/lessons/{lesson['lesson_id']}/progress", buyer,
                      body={"is_completed": True, "time_spent_seconds": 60}))
    progress = ok(stack.call("GET", f"/v1/products/{pid}/progress", buyer))
    assert progress["enrollment"]["lessons_completed"] == 3 and progress["enrollment"]["is_completed"] is False
    questions = ok(stack.call("GET", f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}", buyer))
    assert "SECRET-EXPLANATION" not in str(questions) and "correct" not in questions["questions"][0]
    graded = ok(stack.call("POST", f"/v1/products/{pid}/quizzes/{quiz['quiz_id']}/attempts", buyer,
                           body={"answers": {question["question_id"]: [2, 0]}}), 201)
    assert graded["is_passed"] is True and graded["score_percent"] == 100

    enrollment = ok(stack.call("GET", f"/v1/products/{pid}/progress", buyer))["enrollment"]
    assert enrollment["is_completed"] is True and enrollment["progress_percent"] == 100
    assert enrollment["total_time_spent_seconds"] == 240
    certificate = ok(stack.call("GET", f"/v1/certificates/{enrollment['certificate_id']}"))
    assert certificate["course_title"] == course["title"] and certificate["completed_at"]

    library = ok(stack.call("GET", "/v1/library", buyer))["items"]
    assert library[0]["product"]["product_id"] == pid and library[0]["progress"]["is_completed"] is True
