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

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import Enrollment, QuizAttempt
from chalicelib.models.base import utcnow
from chalicelib.models.course import QuestionNode, QuizNode
from chalicelib.services.analytics import engagement
from chalicelib.services.catalog import products
from chalicelib.services.core.db import CONDITION_FAILED, put_once, retry_on_conflict
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
    score_percent: int  # floor, for display; `is_passed` compares exactly
    is_passed: bool
    results: list[dict[str, Any]]


def grade(questions: Sequence[QuestionNode], answers: Mapping[str, Sequence[int]], passing_score_percent: int) -> Grade:
    """Grade on the server, one point per question, no partial credit.

    A question is right when the set of chosen options equals the set of correct ones: for
    multiple_choice and true_false (exactly one correct index, enforced by the builder) that means exactly
    that index; for multi_select, the exact set. Unanswered questions (absent or `[]`) are wrong; answers that
    could not be given in the quiz are refused (422 naming each question): questions not in it, an index outside
    a question's options, or several options for a single-answer question (an option repeated counts once).
    """
    problems = answer_problems(questions, answers)
    if problems:
        raise InvalidInput("some answers are not possible in this quiz", problems)
    results = []
    for question in questions:
        chosen = sorted(set(answers.get(question.question_id, ())))
        correct = sorted(int(index) for index in question.correct)
        results.append({"question_id": question.question_id, "prompt": question.prompt,
                        "options": list(question.options), "selected": chosen, "is_correct": chosen == correct,
                        "correct_answers": correct, "explanation": question.explanation})
    score, max_score = sum(result["is_correct"] for result in results), len(results)
    return Grade(score, max_score, 100 * score // max_score if max_score else 0,
                 max_score > 0 and 100 * score >= passing_score_percent * max_score, results)


SINGLE_ANSWER_TYPES = ("multiple_choice", "true_false")


def answer_problems(questions: Sequence[QuestionNode], answers: Mapping[str, Sequence[int]]) -> list[dict[str, Any]]:
    """Each answer that no learner could give through the quiz, as an error detail naming its question."""
    by_id = {q.question_id: q for q in questions}

    def problem(qid: str, msg: str, kind: str) -> dict[str, Any]:
        return {"loc": ["body", "answers", qid], "msg": msg, "type": kind}

    problems = []
    for qid, chosen in answers.items():
        question = by_id.get(qid)
        if question is None:
            problems.append(problem(qid, "unknown question", "unknown_question"))
        elif any(not 0 <= index < len(question.options) for index in chosen):
            problems.append(problem(qid, f"option indexes go from 0 to {len(question.options) - 1}",
                                    "option_out_of_range"))
        elif question.question_type in SINGLE_ANSWER_TYPES and len(set(chosen)) > 1:
            problems.append(problem(qid, f"a {question.question_type} question takes one answer",
                                    "too_many_answers"))
    return problems


def read_quiz(user_id: str | None, ref: str, quiz_id: str) -> dict[str, Any]:
    """An accessible quiz's questions without answers or explanations, and the caller's latest attempts."""
    course = rules.course(ref, user_id)
    quiz = rules.quiz(course, quiz_id)
    questions = store.load_questions(course.product_id, quiz_id)
    numbered = _recent_attempts(user_id, quiz_id, RECENT_ATTEMPTS) if user_id else []
    attempts = [a for a in numbered if not a.reset_by]
    return {**quiz_summary(course.outline, quiz, course.full_access),
            "questions": [{"question_id": q.question_id, "question_type": q.question_type, "prompt": q.prompt,
                           "options": list(q.options), "position": q.position} for q in questions],
            "attempts": [_attempt_view(a) for a in attempts],
            "attempts_total": int(attempts[0].attempt_number) if attempts else 0}  # numbers used (resets take one)


def submit_attempt(user_id: str, ref: str, quiz_id: str, answers: dict[str, list[int]],
                   learner_name: str | None = None) -> dict[str, Any]:
    """Grade an attempt, store it under the next number, record a pass; may complete the course."""
    course = rules.course(ref, user_id)
    quiz = rules.quiz(course, quiz_id)
    questions = store.load_questions(course.product_id, quiz_id)
    if not questions:
        raise Conflict("this quiz has no questions yet")
    result = grade(questions, answers, int(quiz.passing_score_percent))
    enrollments.learner(user_id, course)
    attempt = _save_attempt(user_id, course, quiz, answers, result)
    enrollment = certificates.complete_if_done(user_id, course, learner_name)
    return {**_attempt_view(attempt), "quiz_id": quiz_id, "results": result.results,
            "enrollment": progress_summary(enrollment, lesson_ids_of(course.product))}


def _attempt_key(user_id: str, quiz_id: str) -> str:
    return f"{user_id}#{quiz_id}"


def _attempt_view(attempt: QuizAttempt) -> dict[str, Any]:
    return {name: getattr(attempt, name) for name in ("attempt_number", "score", "max_score", "score_percent",
                                                      "is_passed", "passing_score_percent", "submitted_at")}


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
        if latest and not quiz.is_retakable and not latest[0].reset_by:
            raise RetakeNotAllowed("this quiz allows a single attempt")
        number = int(latest[0].attempt_number) + 1 if latest else 1
        attempt = QuizAttempt(key, number, product_id=course.product_id, quiz_id=quiz.quiz_id,
                              answers={qid: sorted(set(chosen)) for qid, chosen in answers.items()},
                              score=result.score, max_score=result.max_score, score_percent=result.score_percent,
                              is_passed=result.is_passed, passing_score_percent=int(quiz.passing_score_percent),
                              submitted_at=utcnow())
        failed = enrollments.commit(_attempt_write(user_id, course, attempt, result.results))
        if not failed:
            return attempt
        if failed[0] != CONDITION_FAILED:  # item 0 is the attempt: PynamoDB sends puts before updates
            raise enrollments.changed_meanwhile()


def _attempt_write(user_id: str, course: Course, attempt: QuizAttempt, results: list[dict[str, Any]]) -> Write:
    """The attempt, the pass on the enrollment and each question's answer counters (`analytics.engagement`)."""
    passed = [Enrollment.passed_quiz_ids.add({attempt.quiz_id})] if attempt.is_passed else []

    def write(tx: TransactWrite) -> None:
        tx.save(attempt, condition=QuizAttempt.attempt_number.does_not_exist())
        enrollments.touch(tx, user_id, course, attempt.submitted_at, passed)
        engagement.add_answers(tx, course.product_id, attempt.quiz_id, results)

    return write


def reset_attempts(creator_id: str, product_id: str, quiz_id: str, user_id: str,
                   reason: str) -> tuple[dict[str, Any], bool]:
    """The course's owner lets a learner take a quiz again (a no-retake quiz included): `(reset, created)`.

    The reset is the audit record: the next attempt number of that learner and quiz, put under the same condition
    as an attempt (so it never overwrites one, and an attempt racing it renumbers), carrying who reset, why and
    when. Past attempts and passes are kept. A learner whose latest entry is already a reset gets that one back.
    Anybody but the owner: 404, as for a missing course, quiz or attempt.
    """
    product = products.get_owned(creator_id, product_id)
    quiz = store.load_outline(product.product_id).quiz(quiz_id) if product.product_type == "course" else None
    if quiz is None:
        raise NotFound("quiz not found")
    key = _attempt_key(user_id, quiz_id)
    for _ in retry_on_conflict(NUMBER_RETRIES, NUMBER_DELAY, _too_many_at_once):
        latest = _recent_attempts(user_id, quiz_id, 1)
        if not latest:
            raise NotFound("this learner has no attempts at this quiz")
        if latest[0].reset_by:
            return _reset_view(user_id, latest[0]), False
        reset = QuizAttempt(key, int(latest[0].attempt_number) + 1, product_id=product_id, quiz_id=quiz_id,
                            answers={}, score=0, max_score=0, score_percent=0, is_passed=False,
                            passing_score_percent=int(quiz.passing_score_percent), submitted_at=utcnow(),
                            reset_by=creator_id, reset_reason=reason)
        if put_once(reset, QuizAttempt.attempt_number):
            return _reset_view(user_id, reset), True


def _reset_view(user_id: str, reset: QuizAttempt) -> dict[str, Any]:
    return {"user_id": user_id, "product_id": reset.product_id, "quiz_id": reset.quiz_id,
            "attempt_number": reset.attempt_number,
            "reset_by": reset.reset_by, "reason": reset.reset_reason, "reset_at": reset.submitted_at}


def _too_many_at_once() -> Conflict:
    return Conflict("too many attempts submitted at once; retry")
