"""The learner's side of a course: enrolling, reading lessons, progress, quizzes, completion, certificates.

Why it is shaped this way:
- Access is decided on every request from the grant (the source of truth) and the outline's free-preview
  flags (`services/outline.py`). Locked lessons and quizzes answer 403 with a reason, never their content;
  questions go out without correct answers or explanations, which only a graded attempt returns.
- Progress counters are derived, not counted: the enrollment holds the *set* of completed lesson ids
  (DynamoDB ADD to a string set is idempotent and commutative) and `lessons_completed` is
  `|completed ∩ product.lesson_ids|` at read time, so repeats, concurrent writes and later content
  changes never skew it. Time spent is an ADD of a bounded delta.
- Every learner write is one transaction: the lesson progress (or the quiz attempt), the enrollment and
  the grant's `last_activity_at` (the library's sort key). A transaction cancelled for a conflict applied
  nothing, so it is retried; a failed condition is reported to the caller.
- Completion is recorded once: `attribute_not_exists(completed_at)` on the enrollment, in the same
  transaction as the certificate, so concurrent "last lesson" writes issue exactly one certificate.
- Enrollments without a grant are `preview` enrollments: a learner of a paid course's free lessons
  (explicitly via enroll, or implicitly on their first progress/attempt). A later grant upgrades it in place.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.models import (
    AccessGrant,
    Certificate,
    Enrollment,
    LessonProgress,
    ProcessedEvent,
    Product,
    QuizAttempt,
    User,
)
from chalicelib.models.base import utcnow
from chalicelib.models.course import LessonNode, QuestionNode, QuizNode
from chalicelib.models.learning import enrollment_key
from chalicelib.services.access import grants as access
from chalicelib.services.accounts import users
from chalicelib.services.catalog import products as catalog
from chalicelib.services.core.db import cancellation_codes, put_once, transaction
from chalicelib.services.courses.builder import lesson_view, load_body, load_outline, load_questions
from chalicelib.services.courses.outline import Outline, access_reason, quiz_summary

GRANT_TYPES = access.ACCESS_TYPES
RECENT_ATTEMPTS = 10
CONFLICT_RETRIES = 8  # transactions on one enrollment conflict only under a burst from the same learner
NUMBER_RETRIES = 5
PROGRESS_FIELDS = ("video_progress_seconds", "notes", "bookmarked")

Write = Callable[[TransactWrite], None]


def _error(kind: type[DomainError], code: str, message: str, **detail: Any) -> DomainError:
    """A domain error with a specific stable code clients branch on (`lesson_locked`, `payment_required`…)."""
    error = kind(message, [detail] if detail else None)
    error.code = code
    return error


# --- pure rules ------------------------------------------------------------------------------------


def lesson_ids_of(product: Product) -> set[str]:
    return set(product.lesson_ids or ())


def progress_summary(enrollment: Enrollment, lesson_ids: Iterable[str]) -> dict[str, Any]:
    """The enrollment's counters against the course as it is now (`lesson_ids`: its current lessons)."""
    current = set(lesson_ids)
    done = set(enrollment.completed_lesson_ids or ()) & current
    return {
        "product_id": enrollment.product_id, "access_type": enrollment.access_type,
        "enrolled_at": enrollment.enrolled_at, "lessons_completed": len(done), "total_lessons": len(current),
        "progress_percentage": 100 * len(done) // len(current) if current else 0,
        "total_time_spent_seconds": int(enrollment.total_time_spent_seconds or 0),
        "last_activity_at": enrollment.last_activity_at, "last_lesson_id": enrollment.last_lesson_id,
        "passed_quiz_ids": sorted(enrollment.passed_quiz_ids or ()),
        "is_completed": enrollment.completed_at is not None, "completed_at": enrollment.completed_at,
        "certificate_id": enrollment.certificate_id,
    }


def course_complete(enrollment: Enrollment, lesson_ids: set[str], final_quiz_ids: set[str]) -> bool:
    """Every current lesson completed and every final (course-scope) quiz passed; an empty course never is."""
    if not lesson_ids and not final_quiz_ids:
        return False
    return (lesson_ids <= set(enrollment.completed_lesson_ids or ())
            and final_quiz_ids <= set(enrollment.passed_quiz_ids or ()))


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


# --- the course as the caller may see it -----------------------------------------------------------


@dataclass(frozen=True)
class _Course:
    product: Product
    full_access: str | None  # owner | purchased | gifted | promotional, or None
    outline: Outline

    @property
    def product_id(self) -> str:
        return self.product.product_id


def _course(ref: str, user_id: str | None) -> _Course:
    """A course visible to the caller (drafts: owner only; archived: owner and holders), with its outline."""
    product, reason = catalog.get_visible(ref, user_id)
    if product.product_type != "course":
        raise NotFound("this product has no lessons or quizzes")
    return _Course(product, reason, load_outline(product.product_id, consistent=False))


def _unlocked(course: _Course, kind: str, item_id: str, free: bool) -> str:
    accessible, reason = access_reason(course.full_access, free)
    if not accessible:
        raise _error(Forbidden, f"{kind}_locked", f"this {kind} is locked: it comes with the full course",
                     reason=reason, product_id=course.product_id, **{f"{kind}_id": item_id})
    return reason


def _lesson(course: _Course, lesson_id: str) -> tuple[LessonNode, str]:
    lesson = course.outline.lesson(lesson_id)
    if lesson is None:
        raise NotFound("lesson not found")
    return lesson, _unlocked(course, "lesson", lesson_id, course.outline.lesson_is_free(lesson))


def _quiz(course: _Course, quiz_id: str) -> QuizNode:
    quiz = course.outline.quiz(quiz_id)
    if quiz is None:
        raise NotFound("quiz not found")
    _unlocked(course, "quiz", quiz_id, course.outline.quiz_is_free(quiz))
    return quiz


# --- enrollments -----------------------------------------------------------------------------------


def _enrollment(user_id: str, product_id: str) -> Enrollment | None:
    try:
        return Enrollment.get(user_id, product_id, consistent_read=True)
    except DoesNotExist:
        return None


def _create_enrollment(user_id: str, product_id: str, access_type: str) -> tuple[Enrollment, bool]:
    """Create once; a concurrent or earlier enrollment wins and is returned unchanged."""
    now = utcnow()
    record = Enrollment(user_id, product_id, access_type=access_type, enrolled_at=now, last_activity_at=now)
    if put_once(record, Enrollment.product_id):
        return record, True
    return Enrollment.get(user_id, product_id, consistent_read=True), False


def _learner(user_id: str, course: _Course) -> Enrollment:
    """The caller's enrollment, created on first use of content they may open: from their grant when the
    grant predates enrollments, else a `preview` enrollment (the caller checked the content is free)."""
    found = _enrollment(user_id, course.product_id)
    if found is not None:
        return found
    if course.full_access == "owner":
        raise _error(Conflict, "not_enrolled", "creators do not record progress in their own course; use the preview")
    return _create_enrollment(user_id, course.product_id, course.full_access or "preview")[0]


def enroll(user_id: str, ref: str) -> tuple[dict[str, Any], bool]:
    """The ways in without payment: `(enrollment view, created)`.

    A free product is claimed as a purchase at 0 (a grant, and for a course its enrollment). A paid course
    with free preview content gets a `preview` enrollment and no grant: progress on its free lessons is kept
    and carried over when the learner buys. Anything else is paid (409 `payment_required`: use checkout).
    `get_visible` already answered 404 for drafts and archived products the caller does not hold.
    """
    product, reason = catalog.get_visible(ref, user_id)
    if reason is not None:
        raise _error(Conflict, "already_owned", "you already have access to this product")
    if product.pricing_type == "free":
        _, created = access.grant(user_id, catalog.state_of(product), "purchased")
        access_type = "purchased"
    elif product.product_type == "course" and product.has_free_preview:
        _, created = _create_enrollment(user_id, product.product_id, "preview")
        access_type = "preview"
    else:
        raise _error(Conflict, "payment_required", "this product is paid: buy it through checkout")
    enrollment = _enrollment(user_id, product.product_id) if product.product_type == "course" else None
    return {"product_id": product.product_id, "product_type": product.product_type, "access_type": access_type,
            "enrollment": progress_summary(enrollment, lesson_ids_of(product)) if enrollment else None}, created


def give_access(creator_id: str, product_id: str, user_id: str, access_type: str) -> tuple[AccessGrant, bool]:
    """A creator gifts or promotes their own published product (idempotent: a holder keeps their grant)."""
    product = catalog.get_owned(creator_id, product_id)
    if user_id == creator_id:
        raise InvalidInput("you own this product already")
    if product.status != "published":
        raise Conflict("only published products can be granted")
    return access.grant(user_id, catalog.state_of(product), access_type)


# --- the write protocol ----------------------------------------------------------------------------


def _commit(write: Write) -> list[str | None]:
    """Run one transaction: `[]` when it committed, else each item's cancellation code.

    Cancelled for a conflict with another in-flight transaction, nothing was applied, so it is retried
    with jittered backoff (ADDs are never doubled); a failed condition is returned for the caller to judge.
    """
    for attempt in range(CONFLICT_RETRIES):
        try:
            with transaction() as tx:
                write(tx)
            return []
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if "ConditionalCheckFailed" in codes:
                return codes
            if "TransactionConflict" not in codes:
                raise
        time.sleep(random.uniform(0, 0.01 * 2 ** attempt))  # noqa: S311 (jitter, not a secret)
    raise Conflict("too many simultaneous updates; retry")


def _touch(tx: TransactWrite, user_id: str, course: _Course, now: datetime, actions: list[Any]) -> None:
    """Apply `actions` to the enrollment and bump last activity on it and on the grant (library order).
    Both are conditioned on existing: an update must never create a grant or an enrollment."""
    tx.update(Enrollment(user_id, course.product_id), actions=[Enrollment.last_activity_at.set(now), *actions],
              condition=Enrollment.product_id.exists())
    if course.full_access in GRANT_TYPES:
        tx.update(AccessGrant(user_id, course.product_id), actions=[AccessGrant.last_activity_at.set(now)],
                  condition=AccessGrant.product_id.exists())


def _changed_meanwhile() -> Conflict:
    return Conflict("your access or enrollment changed meanwhile; reload and retry")


# --- lessons and progress --------------------------------------------------------------------------


def read_lesson(user_id: str | None, ref: str, lesson_id: str) -> dict[str, Any]:
    """An accessible lesson with its body, video reference, inline quizzes and the caller's progress."""
    course = _course(ref, user_id)
    lesson, reason = _lesson(course, lesson_id)
    inline = [q for q in course.outline.quizzes if q.scope == "inline" and q.lesson_id == lesson_id]
    progress = _progress_row(enrollment_key(user_id, course.product_id), lesson_id) if user_id else None
    return {**lesson_view(lesson, load_body(course.product_id, lesson_id)), "product_id": course.product_id,
            "access_reason": reason, "quizzes": [quiz_summary(course.outline, q, course.full_access) for q in inline],
            "progress": _progress_view(progress) if progress else None}


def open_lesson(user_id: str | None, ref: str, lesson_id: str) -> tuple[Product, LessonNode, str]:
    """A lesson the caller may open, by exactly `read_lesson`'s rule (404 unseen, 403 `lesson_locked`), with its
    product and the access reason (video playback authorizes with it)."""
    course = _course(ref, user_id)
    lesson, reason = _lesson(course, lesson_id)
    return course.product, lesson, reason


def _progress_row(key: str, lesson_id: str) -> LessonProgress | None:
    try:
        return LessonProgress.get(key, lesson_id, consistent_read=True)
    except DoesNotExist:
        return None


def _progress_view(row: LessonProgress) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("lesson_id", "completed", "completed_at", "time_spent_seconds",
                                                  "video_progress_seconds", "notes", "bookmarked", "updated_at")}


def _progress_actions(lesson_id: str, changes: dict[str, Any], now: datetime) -> tuple[list[Any], list[Any]]:
    """Update actions for the lesson's progress row (an upsert) and for the enrollment."""
    lesson = [LessonProgress.updated_at.set(now)]
    enrollment = [Enrollment.last_lesson_id.set(lesson_id)]
    if changes.get("completed") is True:
        lesson += [LessonProgress.completed.set(True),
                   LessonProgress.completed_at.set(LessonProgress.completed_at | now)]
        enrollment.append(Enrollment.completed_lesson_ids.add({lesson_id}))
    elif changes.get("completed") is False:
        lesson += [LessonProgress.completed.set(False), LessonProgress.completed_at.remove()]
        enrollment.append(Enrollment.completed_lesson_ids.delete({lesson_id}))
    if changes.get("time_spent_seconds"):
        lesson.append(LessonProgress.time_spent_seconds.add(changes["time_spent_seconds"]))
        enrollment.append(Enrollment.total_time_spent_seconds.add(changes["time_spent_seconds"]))
    lesson += [getattr(LessonProgress, name).set(changes[name]) for name in PROGRESS_FIELDS if name in changes]
    return lesson, enrollment


def _recorded(report: ProcessedEvent) -> bool:
    """A refused progress write whose report is already recorded was a retry, applied the first time."""
    try:
        ProcessedEvent.get(report.event_id, consistent_read=True)
        return True
    except DoesNotExist:
        return False


def record_progress(user_id: str, ref: str, lesson_id: str, changes: dict[str, Any],
                    learner_name: str | None = None, request_key: str | None = None) -> dict[str, Any]:
    """Upsert the learner's progress on an accessible lesson; may complete the course (see module doc).

    `changes`: completed (set/unset), time_spent_seconds (a delta to add), video_progress_seconds (resume
    position), notes, bookmarked. Unsetting `completed` after the course was completed keeps the certificate.
    `request_key` (the client's Idempotency-Key): the report is recorded once, in the same transaction, so a
    retried report never adds its time delta twice; the retry gets the current progress back.
    """
    course = _course(ref, user_id)
    _lesson(course, lesson_id)
    _learner(user_id, course)
    now = utcnow()
    key = enrollment_key(user_id, course.product_id)
    lesson_actions, enrollment_actions = _progress_actions(lesson_id, changes, now)

    report = ProcessedEvent(f"progress:{user_id}:{request_key}", event_type="lesson_progress") if request_key else None

    def write(tx: TransactWrite) -> None:
        tx.update(LessonProgress(key, lesson_id), actions=lesson_actions)
        _touch(tx, user_id, course, now, enrollment_actions)
        if report:
            tx.save(report, condition=ProcessedEvent.event_id.does_not_exist())

    if _commit(write) and not (report and _recorded(report)):
        raise _changed_meanwhile()
    enrollment = _complete_if_done(user_id, course, learner_name)
    return {"lesson": _progress_view(_progress_row(key, lesson_id)),
            "enrollment": progress_summary(enrollment, lesson_ids_of(course.product))}


def course_progress(user_id: str, ref: str) -> dict[str, Any]:
    """The caller's enrollment summary and per-lesson progress (one Query), for the course's current lessons."""
    product, _ = catalog.get_visible(ref, user_id)
    enrollment = _enrollment(user_id, product.product_id) if product.product_type == "course" else None
    if enrollment is None:
        raise _error(NotFound, "not_enrolled", "you are not enrolled in this course")
    current = lesson_ids_of(product)
    rows = LessonProgress.query(enrollment_key(user_id, product.product_id), consistent_read=True)
    return {"enrollment": progress_summary(enrollment, current),
            "lessons": [_progress_view(row) for row in rows if row.lesson_id in current]}


# --- quizzes ---------------------------------------------------------------------------------------


def _attempt_key(user_id: str, quiz_id: str) -> str:
    return f"{user_id}#{quiz_id}"


def _attempt_view(attempt: QuizAttempt) -> dict[str, Any]:
    return {name: getattr(attempt, name) for name in ("attempt_number", "score", "max_score", "percentage",
                                                      "passed", "passing_score", "submitted_at")}


def _recent_attempts(user_id: str, quiz_id: str, limit: int) -> list[QuizAttempt]:
    return list(QuizAttempt.query(_attempt_key(user_id, quiz_id), scan_index_forward=False, limit=limit,
                                  consistent_read=True))


def read_quiz(user_id: str | None, ref: str, quiz_id: str) -> dict[str, Any]:
    """An accessible quiz's questions without answers or explanations, and the caller's latest attempts."""
    course = _course(ref, user_id)
    quiz = _quiz(course, quiz_id)
    questions = load_questions(course.product_id, quiz_id)
    attempts = _recent_attempts(user_id, quiz_id, RECENT_ATTEMPTS) if user_id else []
    return {**quiz_summary(course.outline, quiz, course.full_access),
            "questions": [{"question_id": q.question_id, "question_type": q.question_type, "prompt": q.prompt,
                           "options": list(q.options), "position": q.position} for q in questions],
            "attempts": [_attempt_view(a) for a in attempts],
            "attempts_total": int(attempts[0].attempt_number) if attempts else 0}


def submit_attempt(user_id: str, ref: str, quiz_id: str, answers: dict[str, list[int]],
                   learner_name: str | None = None) -> dict[str, Any]:
    """Grade an attempt, store it under the next number, record a pass; may complete the course."""
    course = _course(ref, user_id)
    quiz = _quiz(course, quiz_id)
    questions = load_questions(course.product_id, quiz_id)
    if not questions:
        raise Conflict("this quiz has no questions yet")
    result = grade(questions, answers, int(quiz.passing_score))
    _learner(user_id, course)
    attempt = _save_attempt(user_id, course, quiz, answers, result)
    enrollment = _complete_if_done(user_id, course, learner_name)
    return {**_attempt_view(attempt), "quiz_id": quiz_id, "results": result.results,
            "enrollment": progress_summary(enrollment, lesson_ids_of(course.product))}


def _save_attempt(user_id: str, course: _Course, quiz: QuizNode, answers: dict[str, list[int]],
                  result: Grade) -> QuizAttempt:
    """Number the attempt after the learner's latest. The put is conditioned on the number being free, so
    concurrent submissions never share one (the loser renumbers) and a refused retake stays refused."""
    key = _attempt_key(user_id, quiz.quiz_id)
    for _ in range(NUMBER_RETRIES):
        latest = _recent_attempts(user_id, quiz.quiz_id, 1)
        if latest and not quiz.allow_retakes:
            raise _error(Conflict, "retake_not_allowed", "this quiz allows a single attempt")
        number = int(latest[0].attempt_number) + 1 if latest else 1
        attempt = QuizAttempt(key, number, product_id=course.product_id, quiz_id=quiz.quiz_id,
                              answers={qid: sorted(set(chosen)) for qid, chosen in answers.items()},
                              score=result.score, max_score=result.max_score, percentage=result.percentage,
                              passed=result.passed, passing_score=int(quiz.passing_score), submitted_at=utcnow())
        failed = _commit(_attempt_write(user_id, course, attempt))
        if not failed:
            return attempt
        if failed[0] != "ConditionalCheckFailed":  # item 0 is the attempt: PynamoDB sends puts before updates
            raise _changed_meanwhile()
    raise Conflict("too many attempts submitted at once; retry")


def _attempt_write(user_id: str, course: _Course, attempt: QuizAttempt) -> Write:
    passed = [Enrollment.passed_quiz_ids.add({attempt.quiz_id})] if attempt.passed else []

    def write(tx: TransactWrite) -> None:
        tx.save(attempt, condition=QuizAttempt.attempt_number.does_not_exist())
        _touch(tx, user_id, course, attempt.submitted_at, passed)

    return write


# --- completion and certificates -------------------------------------------------------------------


def _complete_if_done(user_id: str, course: _Course, learner_name: str | None) -> Enrollment:
    """The learner's enrollment after a write; on reaching completion, record it and issue the certificate
    exactly once (a concurrent completer's transaction fails its condition and changes nothing)."""
    enrollment = _enrollment(user_id, course.product_id)
    if enrollment is None:
        raise _changed_meanwhile()
    finals = {quiz.quiz_id for quiz in course.outline.final_assessments()}
    if enrollment.completed_at is not None or not course_complete(enrollment, lesson_ids_of(course.product), finals):
        return enrollment
    now = utcnow()
    creator = users.get_creator_account(course.product.creator_id)
    certificate = Certificate(f"cert_{secrets.token_urlsafe(18)}", user_id=user_id,
                              learner_name=_learner_name(user_id, learner_name), product_id=course.product_id,
                              course_title=course.product.title, creator_id=course.product.creator_id,
                              creator_name=creator.display_name if creator else "", completed_at=now)

    def write(tx: TransactWrite) -> None:
        tx.update(Enrollment(user_id, course.product_id),
                  actions=[Enrollment.completed_at.set(now), Enrollment.certificate_id.set(certificate.certificate_id)],
                  condition=Enrollment.completed_at.does_not_exist())
        tx.save(certificate, condition=Certificate.certificate_id.does_not_exist())

    _commit(write)
    return Enrollment.get(user_id, course.product_id, consistent_read=True)


def _learner_name(user_id: str, given: str | None) -> str:
    if given:
        return given
    try:
        return User.get(user_id).display_name or "Learner"
    except DoesNotExist:
        return "Learner"


def certificate(certificate_id: str) -> Certificate:
    """Public verification by the unguessable id; anything else is simply not found."""
    if not certificate_id.startswith("cert_") or len(certificate_id) > 64:
        raise NotFound("certificate not found")
    try:
        return Certificate.get(certificate_id)
    except DoesNotExist:
        raise NotFound("certificate not found") from None
