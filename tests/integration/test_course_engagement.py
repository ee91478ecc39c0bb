"""Course engagement counters (analytics.engagement): moved in the transaction of each progress report and quiz
attempt, equal to a recount of the progress rows and attempts after a randomized run, and served to the owner only."""

from __future__ import annotations

import random

import pytest

from tests.support.courses import grant

LEARNERS = ("bob", "carol", "dan")


@pytest.fixture
def course(api) -> dict:
    """alice's course: two lessons in order, and a quiz of two questions (option 0 is right)."""
    from chalicelib.services.catalog import products
    from chalicelib.services.courses import lessons, modules, quizzes

    api.creator("alice")
    pid = api.product("alice", product_type="course", title="Engaging")["product_id"]
    module = modules.add_module("alice", pid, {"title": "All"}).module_id
    ids = [lessons.add_lesson("alice", pid, module, {"title": t, "content_type": "text", "content": "x"})["lesson_id"]
           for t in ("First", "Second")]
    quiz = quizzes.add_quiz("alice", pid, {"title": "Check", "scope": "course", "passing_score_percent": 50}).quiz_id
    questions = [quizzes.add_question("alice", pid, quiz, {"question_type": "multiple_choice", "prompt": f"Q{n}?",
                                                           "options": ["right", "wrong"], "correct": [0]}).question_id
                 for n in range(2)]
    products.publish_product("alice", pid)
    for learner in LEARNERS:
        grant(learner, pid)
    return {"product_id": pid, "lessons": ids, "quiz": quiz, "questions": questions}


def _recount(course: dict) -> tuple[dict, dict]:
    from chalicelib.models import LessonProgress, QuizAttempt
    from chalicelib.models.learning import enrollment_key

    lessons = {lid: {"started": 0, "completed": 0, "video_learners": 0, "watched": 0} for lid in course["lessons"]}
    for learner in LEARNERS:
        for row in LessonProgress.query(enrollment_key(learner, course["product_id"])):
            figures = lessons[row.lesson_id]
            figures["started"] += 1
            figures["completed"] += int(bool(row.is_completed))
            figures["video_learners"] += int((row.video_watched_seconds or 0) > 0)
            figures["watched"] += int(row.video_watched_seconds or 0)
    answers = {qid: [0, 0] for qid in course["questions"]}
    for learner in LEARNERS:
        for attempt in QuizAttempt.query(f"{learner}#{course['quiz']}"):
            for qid in course["questions"]:
                answers[qid][0] += 1
                answers[qid][1] += int(attempt.answers.get(qid) == [0])
    return lessons, answers


@pytest.mark.parametrize("seed", [7, 8])
def test_counters_equal_a_recount_after_random_progress_and_attempts(api, course, seed):
    rng = random.Random(seed)
    pid = course["product_id"]
    for _ in range(30):
        learner, lesson = rng.choice(LEARNERS), rng.choice(course["lessons"])
        if rng.random() < 0.2:
            answers = {qid: [rng.choice([0, 1])] for qid in course["questions"]}
            api.call("POST", f"/v1/products/{pid}/quizzes/{course['quiz']}/attempts", learner, {"answers": answers})
            continue
        body = rng.choice([{"is_completed": True}, {"is_completed": False}, {"time_spent_seconds": 5},
                           {"video_progress_seconds": rng.choice([0, 30, 90, 45])}])
        response = api.call("PUT", f"/v1/products/{pid}/lessons/{lesson}/progress", learner, body)
        assert response.status_code == 200, response.json
    lessons, answers = _recount(course)
    report = api.call("GET", f"/v1/products/{pid}/engagement", "alice").json
    assert [item["lesson_id"] for item in report["lessons"]] == course["lessons"]
    for item in report["lessons"]:
        expected = lessons[item["lesson_id"]]
        assert (item["started"], item["completed"], item["video_learners"]) == (
            expected["started"], expected["completed"], expected["video_learners"]), seed
        viewers = expected["video_learners"]
        assert item["average_watched_seconds"] == (expected["watched"] // viewers if viewers else 0)
    for item in report["questions"]:
        answered, correct = answers[item["question_id"]]
        assert (item["answered"], item["correct_percent"]) == (answered, 100 * correct // answered if answered else 0)


def test_drop_off_and_the_owner_only(api, course):
    pid, first, second = course["product_id"], *course["lessons"]
    for learner in LEARNERS:
        api.call("PUT", f"/v1/products/{pid}/lessons/{first}/progress", learner, {"is_completed": True})
    api.call("PUT", f"/v1/products/{pid}/lessons/{second}/progress", "bob", {"video_progress_seconds": 120})
    report = api.call("GET", f"/v1/products/{pid}/engagement", "alice").json
    assert report["lessons"][0] == {"lesson_id": first, "started": 3, "completed": 3, "drop_off_percent": 66,
                                    "video_learners": 0, "average_watched_seconds": 0}
    assert report["lessons"][1]["drop_off_percent"] is None and report["lessons"][1]["average_watched_seconds"] == 120
    assert api.call("GET", f"/v1/products/{pid}/engagement", "bob").status_code == 404
