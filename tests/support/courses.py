"""A complete course for the learner-side tests, and the learner's calls on it.

`make_course` is shared by the learning, library and access-matrix tests: every lesson body and explanation
carries a unique marker, so a test can search a raw response for anything that must not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Course:
    product_id: str
    free_lesson: str
    paid_lessons: list[str]
    free_quiz: str  # an inline quiz in the free lesson
    module_quiz: str  # a module quiz in the paid module, no retakes
    final_quiz: str  # course scope, one question of each type: required for completion
    answers: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # quiz -> all-correct answers
    bodies: dict[str, str] = field(default_factory=dict)  # lesson -> a marker only its body contains

    @property
    def lessons(self) -> list[str]:
        return [self.free_lesson, *self.paid_lessons]


def explanation_marker(quiz_id: str) -> str:
    return f"SECRET-WHY-{quiz_id}"


QUESTIONS = ({"question_type": "multiple_choice", "prompt": "Pick b", "options": ["a", "b", "c"], "correct": [1]},
             {"question_type": "true_false", "prompt": "True?", "options": [], "correct": [0]},
             {"question_type": "multi_select", "prompt": "Pick a and c", "options": ["a", "b", "c"], "correct": [0, 2]})


def make_course(api, owner: str = "alice", publish: bool = True, **fields) -> Course:
    """A course built through the builder service (the API is tested in test_course_builder.py): module 0
    holds a free lesson with an inline quiz; module 1 two paid lessons (one a YouTube embed) and a module
    quiz without retakes; a final course quiz passes at 60 %."""
    from chalicelib.services.catalog import products as catalog
    from chalicelib.services.courses import lessons, modules, quizzes

    api.creator(owner)
    pid = api.product(owner, **{"product_type": "course", "title": "Learning DynamoDB", "price_cents": 4900,
                                **fields})["product_id"]
    m0, m1 = (modules.add_module(owner, pid, {"title": title}).module_id for title in ("Start here", "Paid part"))
    bodies = {}

    def lesson(module_id, slug, **extra):
        fields = {"title": slug.title(), "content": f"# {slug}\nSECRET-BODY-{slug}", "content_type": "text",
                  "key_takeaways": ["keys matter"], **extra}
        lesson_id = lessons.add_lesson(owner, pid, module_id, fields)["lesson_id"]
        bodies[lesson_id] = f"SECRET-BODY-{slug}"
        return lesson_id

    free = lesson(m0, "welcome", is_free_preview=True)
    paid = [lesson(m1, "partitions", content_type="video_embed", video_url="https://youtu.be/dQw4w9WgXcQ"),
            lesson(m1, "indexes")]
    course = Course(pid, free, paid, "", "", "", bodies=bodies)
    for attr, body, questions in (
            ("free_quiz", {"scope": "inline", "lesson_id": free}, QUESTIONS[1:2]),
            ("module_quiz", {"scope": "module", "module_id": m1, "is_retakable": False}, QUESTIONS[:1]),
            ("final_quiz", {"scope": "course", "passing_score_percent": 60}, QUESTIONS)):
        quiz_id = quizzes.add_quiz(owner, pid, {"title": attr, **body}).quiz_id
        setattr(course, attr, quiz_id)
        course.answers[quiz_id] = {
            quizzes.add_question(owner, pid, quiz_id, {**q, "explanation": explanation_marker(quiz_id)}).question_id:
                q["correct"] for q in questions}
    if publish:
        catalog.publish_product(owner, pid)
    return course


def grant(user: str, product_id: str, source: str = "claim"):
    """What a claim (or a gift: `gifted`, a promotion: `promotional`) leaves behind: the grant and, for a course,
    the enrollment. A purchase's own source is `tests.support.orders.make_order(..., grant=True)`."""
    from chalicelib.models import Product
    from chalicelib.services.access import grants as access

    return access.grant(user, Product.get(product_id).attribute_values, source)


def progress(api, user, course, lesson_id, body):
    return api.call("PUT", f"/v1/products/{course.product_id}/lessons/{lesson_id}/progress", user, body)


def attempt(api, user, course, quiz_id, answers):
    return api.call("POST", f"/v1/products/{course.product_id}/quizzes/{quiz_id}/attempts", user,
                    {"answers": answers})
