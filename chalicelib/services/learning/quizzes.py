"""Quizzes for the learner: questions without answers until graded, grading on the server, numbered attempts.

An attempt's number is a conditional put on (user#quiz, number), so concurrent submissions never share one and a
refused retake stays refused; the attempt, the enrollment's passed-quiz SET and the grant's activity are one
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, InvalidInput
from chalicelib.models import Enrollment, QuizAttempt
from chalicelib.models.base import utcnow
from chalicelib.models.course import QuestionNode, QuizNode
from chalicelib.services.core.db import CONDITION_FAILED, retry_on_conflict
from chalicelib.services.courses import store
from chalicelib.services.courses.outline import quiz_summary
from chalicelib.services.learning import certificates, enrollments, rules
from chalicelib.services.learning.enrollments import Write, lesson_ids_of, progress_summary
from chalicelib.services.learning.errors import RetakeNotAllowed
from chalicelib.services.learning.rules import Course

RECENT_ATTEMPTS = 10
NUMBER_RETRIES = 5
NUMBER_DELAY = 0.005  # seconds: the base of the jittered backoff before taking the next number


@dataclass(frozen=True)
class Grade:
    score: int
    max_score: int
    percentage: int  # floor, for display; `passed` compares exactly
    passed: bool
    results: list[dict[str, Any]]


def grade(questions: Sequence[QuestionNode], answers: Mapping[str, Sequence[int]], passing_score: int) -> Grade:
    """Grade on the server, one point per question, no partial credit.

    A question is right when the set of chosen options equals the set of correct ones: for
    multiple_choice and true_false (exactly one correct index, enforced by the builder) that means exactly
    that index; for multi_select, the exact set. Unanswered questions are wrong; answers naming questions
    that are not in the quiz are refused.
    """
    unknown = sorted(set(answers) - {q.question_id for q in questions})
    if unknown:
        raise InvalidInput("answers name questions that are not in this quiz",
                           [{"loc": ["body", "answers", qid], "msg": "unknown question", "type": "unknown_question"}
                            for qid in unknown])
    results = []
    for question in questions:
        chosen = sorted(set(answers.get(question.question_id, ())))
        correct = sorted(int(index) for index in question.correct)
        results.append({"question_id": question.question_id, "prompt": question.prompt,
                        "options": list(question.options), "selected": chosen, "is_correct": chosen == correct,
                        "correct_answers": correct, "explanation": question.explanation})
    score, max_score = sum(result["is_correct"] for result in results), len(results)
    return Grade(score, max_score, 100 * score // max_score if max_score else 0,
                 max_score > 0 and 100 * score >= passing_score * max_score, results)


def read_quiz(user_id: str | None, ref: str, quiz_id: str) -> dict[str, Any]:
    """An accessible quiz's questions without answers or explanations, and the caller's latest attempts."""
    course = rules.course(ref, user_id)
    quiz = rules.quiz(course, quiz_id)
    questions = store.load_questions(course.product_id, quiz_id)
    attempts = _recent_attempts(user_id, quiz_id, RECENT_ATTEMPTS) if user_id else []
    return {**quiz_summary(course.outline, quiz, course.full_access),
            "questions": [{"question_id": q.question_id, "question_type": q.question_type, "prompt": q.prompt,
                           "options": list(q.options), "position": q.position} for q in questions],
            "attempts": [_attempt_view(a) for a in attempts],
            "attempts_total": int(attempts[0].attempt_number) if attempts else 0}


def submit_attempt(user_id: str, ref: str, quiz_id: str, answers: dict[str, list[int]],
                   learner_name: str | None = None) -> dict[str, Any]:
    """Grade an attempt, store it under the next number, record a pass; may complete the course."""
    course = rules.course(ref, user_id)
    quiz = rules.quiz(course, quiz_id)
    questions = store.load_questions(course.product_id, quiz_id)
    if not questions:
        raise Conflict("this quiz has no questions yet")
    result = grade(questions, answers, int(quiz.passing_score))
    enrollments.learner(user_id, course)
    attempt = _save_attempt(user_id, course, quiz, answers, result)
    enrollment = certificates.complete_if_done(user_id, course, learner_name)
    return {**_attempt_view(attempt), "quiz_id": quiz_id, "results": result.results,
            "enrollment": progress_summary(enrollment, lesson_ids_of(course.product))}


def _attempt_key(user_id: str, quiz_id: str) -> str:
    return f"{user_id}#{quiz_id}"


def _attempt_view(attempt: QuizAttempt) -> dict[str, Any]:
    return {name: getattr(attempt, name) for name in ("attempt_number", "score", "max_score", "percentage",
                                                      "passed", "passing_score", "submitted_at")}


def _recent_attempts(user_id: str, quiz_id: str, limit: int) -> list[QuizAttempt]:
    return list(QuizAttempt.query(_attempt_key(user_id, quiz_id), scan_index_forward=False, limit=limit,
                                  consistent_read=True))


def _save_attempt(user_id: str, course: Course, quiz: QuizNode, answers: dict[str, list[int]],
                  result: Grade) -> QuizAttempt:
    """Number the attempt after the learner's latest. The put is conditioned on the number being free, so
    concurrent submissions never share one (the loser renumbers) and a refused retake stays refused."""
    key = _attempt_key(user_id, quiz.quiz_id)
    for _ in retry_on_conflict(NUMBER_RETRIES, NUMBER_DELAY, _too_many_at_once):
        latest = _recent_attempts(user_id, quiz.quiz_id, 1)
        if latest and not quiz.allow_retakes:
            raise RetakeNotAllowed("this quiz allows a single attempt")
        number = int(latest[0].attempt_number) + 1 if latest else 1
        attempt = QuizAttempt(key, number, product_id=course.product_id, quiz_id=quiz.quiz_id,
                              answers={qid: sorted(set(chosen)) for qid, chosen in answers.items()},
                              score=result.score, max_score=result.max_score, percentage=result.percentage,
                              passed=result.passed, passing_score=int(quiz.passing_score), submitted_at=utcnow())
        failed = enrollments.commit(_attempt_write(user_id, course, attempt))
        if not failed:
            return attempt
        if failed[0] != CONDITION_FAILED:  # item 0 is the attempt: PynamoDB sends puts before updates
            raise enrollments.changed_meanwhile()


def _attempt_write(user_id: str, course: Course, attempt: QuizAttempt) -> Write:
    passed = [Enrollment.passed_quiz_ids.add({attempt.quiz_id})] if attempt.passed else []

    def write(tx: TransactWrite) -> None:
        tx.save(attempt, condition=QuizAttempt.attempt_number.does_not_exist())
        enrollments.touch(tx, user_id, course, attempt.submitted_at, passed)

    return write


def _too_many_at_once() -> Conflict:
    return Conflict("too many attempts submitted at once; retry")
