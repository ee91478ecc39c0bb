"""Reading a lesson with the caller's progress, and recording progress: ONE transaction per report (the lesson's
progress row upserted, the enrollment's completed SET and time ADDed, the grant's activity bumped, the course's
engagement counters moved by what the row's change adds: `analytics.engagement`), so repeated or concurrent reports
never double-count; the row is conditioned on what the counters were computed from (a concurrent report re-plans);
an `Idempotency-Key` makes a retried report apply once."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.errors import IdempotencyKeyReused
from chalicelib.models import Enrollment, LessonProgress
from chalicelib.models.base import utcnow
from chalicelib.models.learning import ProgressReport, enrollment_key
from chalicelib.services.analytics import engagement
from chalicelib.services.catalog import products
from chalicelib.services.courses import store
from chalicelib.services.courses.lessons import lesson_view
from chalicelib.services.courses.outline import quiz_summary
from chalicelib.services.learning import certificates, enrollments, rules
from chalicelib.services.learning.enrollments import lesson_ids_of, progress_summary
from chalicelib.services.learning.errors import NotEnrolled, OwnerCannotEnroll

PROGRESS_FIELDS = ("video_progress_seconds", "notes", "is_bookmarked")
ENGAGEMENT_ATTEMPTS = 4  # concurrent reports of one lesson by one learner re-read and re-plan


def read_lesson(user_id: str | None, ref: str, lesson_id: str) -> dict[str, Any]:
    """An accessible lesson with its body, video reference, inline quizzes and the caller's progress."""
    course = rules.course(ref, user_id)
    lesson, reason = rules.lesson(course, lesson_id)
    lesson_id = lesson.lesson_id  # the path may name the lesson by its slug
    inline = course.outline.inline_quizzes(lesson_id)
    progress = _progress_row(enrollment_key(user_id, course.product_id), lesson_id) if user_id else None
    return {**lesson_view(lesson, store.load_body(course.product_id, lesson_id)), "product_id": course.product_id,
            "access_reason": reason, "quizzes": [quiz_summary(course.outline, q, course.full_access) for q in inline],
            "progress": _progress_view(progress) if progress else None}


def record_progress(user_id: str, ref: str, lesson_id: str, changes: dict[str, Any],
                    learner_name: str | None = None, request_key: str | None = None) -> dict[str, Any]:
    """Upsert the learner's progress on an accessible lesson; may complete the course.

    `changes`: is_completed (set/unset), time_spent_seconds (a delta to add), video_progress_seconds (resume
    position), notes, is_bookmarked. Unsetting `is_completed` after the course was completed keeps the certificate.
    `request_key` (the client's Idempotency-Key): the report is recorded once, in the same transaction, bound to
    (learner, product, lesson, changes), so a retried report never adds its time delta twice and gets the current
    progress back, and the key reused for any other report is refused (409 `idempotency_key_reused`).
    """
    course = rules.course(ref, user_id)
    lesson, _ = rules.lesson(course, lesson_id)
    lesson_id = lesson.lesson_id  # the canonical id, whether the path named it or its slug
    enrollments.learner(user_id, course)
    now = utcnow()
    key = enrollment_key(user_id, course.product_id)
    lesson_actions, enrollment_actions = _progress_actions(lesson_id, changes, now)
    report = _report(user_id, request_key, course.product_id, lesson_id, changes) if request_key else None
    for _ in range(ENGAGEMENT_ATTEMPTS):
        row = _progress_row(key, lesson_id)
        watched = int(row.video_watched_seconds or 0) if row else 0
        deltas = engagement.lesson_deltas(row is not None, bool(row and row.is_completed), watched,
                                          changes.get("is_completed"), changes.get("video_progress_seconds"))
        actions = [*lesson_actions, LessonProgress.video_watched_seconds.set(watched + deltas["video_watched_seconds"])]

        def write(tx: TransactWrite, row: LessonProgress | None = row, actions: list[Any] = actions,
                  deltas: dict[str, int] = deltas) -> None:
            tx.update(LessonProgress(key, lesson_id), actions=actions, condition=_as_read(row))
            enrollments.touch(tx, user_id, course, now, enrollment_actions)
            if report:
                tx.save(report, condition=ProgressReport.event_id.does_not_exist())
            engagement.add_lesson(tx, course.product_id, lesson_id, deltas)

        # Refused: a retry of this report (applied the first time), the key reused (409), a concurrent report of the
        # same lesson (re-read: the engagement counters follow the row), or a changed enrollment.
        if not enrollments.commit(write) or (report and _replayed(report)):
            break
    else:
        raise enrollments.changed_meanwhile()
    enrollment = certificates.complete_if_done(user_id, course, learner_name)
    return {"lesson": _progress_view(_progress_row(key, lesson_id)),
            "enrollment": progress_summary(enrollment, lesson_ids_of(course.product))}


def course_progress(user_id: str, ref: str) -> dict[str, Any]:
    """The caller's enrollment summary and per-lesson progress (one Query), for the course's current lessons."""
    product, _ = products.get_visible(ref, user_id)
    _not_the_owner(user_id, product.creator_id)
    enrollment = enrollments.find(user_id, product.product_id) if product.product_type == "course" else None
    if enrollment is None:
        raise NotEnrolled("you are not enrolled in this course")
    current = lesson_ids_of(product)
    rows = LessonProgress.query(enrollment_key(user_id, product.product_id), consistent_read=True)
    return {"enrollment": progress_summary(enrollment, current),
            "lessons": [_progress_view(row) for row in rows if row.lesson_id in current]}


def notes_and_bookmarks(user_id: str, ref: str) -> dict[str, Any]:
    """The caller's notes and bookmarks across a course, in course order (lessons with neither are left out):
    1 outline Query + 1 GetItem enrollment + 1 Query of the course's progress rows, whatever the course size."""
    course = rules.course(ref, user_id)
    _not_the_owner(user_id, course.product.creator_id)
    if enrollments.find(user_id, course.product_id) is None:
        raise NotEnrolled("you are not enrolled in this course")
    rows = {row.lesson_id: row for row in LessonProgress.query(enrollment_key(user_id, course.product_id),
                                                               consistent_read=True)}
    modules = {module.module_id: module for module in course.outline.modules}
    ordered = sorted(course.outline.lessons, key=lambda lesson: (modules[lesson.module_id].position, lesson.position))
    return {"items": [{"lesson_id": lesson.lesson_id, "lesson_title": lesson.title, "lesson_slug": lesson.slug,
                       "module_id": lesson.module_id, "module_title": modules[lesson.module_id].title,
                       "notes": row.notes, "is_bookmarked": bool(row.is_bookmarked), "updated_at": row.updated_at}
                      for lesson in ordered
                      if (row := rows.get(lesson.lesson_id)) and (row.notes or row.is_bookmarked)]}


def _as_read(row: LessonProgress | None) -> Any:
    """The condition that the learner's lesson row is still what the engagement deltas were computed from."""
    if row is None:
        return LessonProgress.lesson_id.does_not_exist()
    completed = (LessonProgress.is_completed == True) if row.is_completed else (  # noqa: E712 (a DynamoDB condition)
        LessonProgress.is_completed.does_not_exist() | (LessonProgress.is_completed == False))  # noqa: E712
    watched = int(row.video_watched_seconds or 0)
    return completed & ((LessonProgress.video_watched_seconds == watched) if watched else
                        (LessonProgress.video_watched_seconds.does_not_exist()
                         | (LessonProgress.video_watched_seconds == 0)))


def _progress_row(key: str, lesson_id: str) -> LessonProgress | None:
    try:
        return LessonProgress.get(key, lesson_id, consistent_read=True)
    except DoesNotExist:
        return None


def _progress_view(row: LessonProgress) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ("lesson_id", "is_completed", "completed_at", "time_spent_seconds",
                                                  "video_progress_seconds", "notes", "is_bookmarked", "updated_at")}


def _progress_actions(lesson_id: str, changes: dict[str, Any], now: datetime) -> tuple[list[Any], list[Any]]:
    """Update actions for the lesson's progress row (an upsert) and for the enrollment."""
    lesson = [LessonProgress.updated_at.set(now)]
    enrollment = [Enrollment.last_lesson_id.set(lesson_id)]
    if changes.get("is_completed") is True:
        lesson += [LessonProgress.is_completed.set(True),
                   LessonProgress.completed_at.set(LessonProgress.completed_at | now)]
        enrollment.append(Enrollment.completed_lesson_ids.add({lesson_id}))
    elif changes.get("is_completed") is False:
        lesson += [LessonProgress.is_completed.set(False), LessonProgress.completed_at.remove()]
        enrollment.append(Enrollment.completed_lesson_ids.delete({lesson_id}))
    if changes.get("time_spent_seconds"):
        lesson.append(LessonProgress.time_spent_seconds.add(changes["time_spent_seconds"]))
        enrollment.append(Enrollment.total_time_spent_seconds.add(changes["time_spent_seconds"]))
    lesson += [getattr(LessonProgress, name).set(changes[name]) for name in PROGRESS_FIELDS if name in changes]
    return lesson, enrollment


def _report(user_id: str, request_key: str, product_id: str, lesson_id: str,
            changes: dict[str, Any]) -> ProgressReport:
    """The marker of one report: the key is the learner's (in the id), bound to what it reported (the hash)."""
    request = json.dumps([product_id, lesson_id, changes], sort_keys=True, separators=(",", ":"))
    return ProgressReport(f"progress:{user_id}:{request_key}", event_type="lesson_progress",
                          request_hash=hashlib.sha256(request.encode()).hexdigest())


def _replayed(report: ProgressReport) -> bool:
    """True when this very report was already applied (a retry: nothing to write, the current progress is the
    answer); False when the key is new; 409 `idempotency_key_reused` when it was used for another request."""
    try:
        recorded = ProgressReport.get(report.event_id, consistent_read=True)
    except DoesNotExist:
        return False
    if recorded.request_hash != report.request_hash:
        raise IdempotencyKeyReused("this Idempotency-Key was already used for a different progress report",
                                   [{"loc": ["header", "Idempotency-Key"], "msg": "used for another request",
                                     "type": "idempotency_key_reused"}])
    return True


def _not_the_owner(user_id: str, creator_id: str) -> None:
    """The owner has no progress to read, as they record none (409 like `PUT …/progress`), not a 404 on their own
    course."""
    if user_id == creator_id:
        raise OwnerCannotEnroll("creators record no progress in their own course; use the preview")
