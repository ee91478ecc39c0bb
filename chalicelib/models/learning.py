"""The learner's side: enrollments with progress, per-lesson progress, quiz attempts, certificates.

Progress is counted against the course as it is *now*: an enrollment keeps the set of lesson ids the
learner completed, and the product keeps the set of its current lesson ids, so
`lessons_completed = |completed ∩ current|` stays exact when content is added or removed later,
and set-ADD makes "complete the same lesson twice" count once, even concurrently.

An enrollment exists for every course grant (written in the grant's transaction) and, without a grant, for
a learner of a paid course's free preview (`access_type = preview`); a later grant upgrades it in place,
keeping the progress. Attempts are numbered per learner and quiz by a conditional put on
`(attempt_key, attempt_number)`, so concurrent submissions never share a number; a creator's reset of a learner's
attempts takes the next number too (`reset_by`, `reset_reason`: the audit record) and reopens a no-retake quiz.
"""

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.models.base import BaseModel, table_meta, utcnow
from chalicelib.models.commerce import ProcessedEvent


class EnrollmentsByProduct(GlobalSecondaryIndex):
    """A course's learners (creator analytics, messaging)."""

    class Meta:
        index_name = "by_product"
        projection = KeysOnlyProjection()

    product_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class Enrollment(BaseModel):
    Meta = table_meta("enrollments")

    user_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    access_type = UnicodeAttribute()  # purchased | gifted | promotional | preview
    enrolled_at = UTCDateTimeAttribute(default=utcnow)
    completed_lesson_ids = UnicodeSetAttribute(default=set)
    total_time_spent_seconds = NumberAttribute(default=0)
    last_activity_at = UTCDateTimeAttribute(default=utcnow)
    last_lesson_id = UnicodeAttribute(null=True)
    passed_quiz_ids = UnicodeSetAttribute(default=set)
    completed_at = UTCDateTimeAttribute(null=True)
    certificate_id = UnicodeAttribute(null=True)

    by_product = EnrollmentsByProduct()


class LessonProgress(BaseModel):
    Meta = table_meta("lesson-progress")

    enrollment_key = UnicodeAttribute(hash_key=True)  # "<user_id>#<product_id>"
    lesson_id = UnicodeAttribute(range_key=True)
    is_completed = BooleanAttribute(default=False, attr_name="completed")
    completed_at = UTCDateTimeAttribute(null=True)
    time_spent_seconds = NumberAttribute(default=0)
    video_progress_seconds = NumberAttribute(default=0)
    video_watched_seconds = NumberAttribute(null=True)  # the furthest position ever reported (engagement counters)
    notes = UnicodeAttribute(null=True)
    is_bookmarked = BooleanAttribute(default=False, attr_name="bookmarked")
    updated_at = UTCDateTimeAttribute(default=utcnow)


def enrollment_key(user_id: str, product_id: str) -> str:
    return f"{user_id}#{product_id}"


class ProgressReport(ProcessedEvent):
    """A progress report's idempotency marker (`progress:<user>:<Idempotency-Key>`), in the exactly-once table
    (`stripe-events`, owned by commerce's `ProcessedEvent`), put in the report's own transaction. It carries what
    the key was used for, so the same key for another request is refused instead of silently replayed."""

    Meta = table_meta("stripe-events")

    request_hash = UnicodeAttribute(null=True)  # SHA-256 of (product, lesson, changes); the user is in the id


class QuizAttempt(BaseModel):
    Meta = table_meta("quiz-attempts")

    attempt_key = UnicodeAttribute(hash_key=True)  # "<user_id>#<quiz_id>"
    attempt_number = NumberAttribute(range_key=True)
    product_id = UnicodeAttribute()
    answers = JSONAttribute()
    score = NumberAttribute()
    max_score = NumberAttribute()
    score_percent = NumberAttribute(attr_name="percentage")
    is_passed = BooleanAttribute(attr_name="passed")
    quiz_id = UnicodeAttribute()
    # As it was when graded: later edits do not rewrite history.
    passing_score_percent = NumberAttribute(attr_name="passing_score")
    submitted_at = UTCDateTimeAttribute(default=utcnow)
    # A reset (the creator lets the learner try again): no answers, the audit of who, why and when (submitted_at).
    reset_by = UnicodeAttribute(null=True)
    reset_reason = UnicodeAttribute(null=True)


class Certificate(BaseModel):
    """Public proof of completion; the id is unguessable and is the verification handle.

    Names and title are copied at issue time, so verifying is one GetItem; the learner's own display name follows
    their renames (the PDF is rendered again), the course and creator names stay as certified. `user_id` is kept
    for the learner's own lists and never shown publicly. `pdf_name` is the learner name the stored PDF
    (`certificates/<id>.pdf` in the files bucket) was rendered with: absent or different means render it again.
    """

    Meta = table_meta("certificates")

    certificate_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    learner_name = UnicodeAttribute()
    product_id = UnicodeAttribute()
    course_title = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    creator_name = UnicodeAttribute(default="")
    completed_at = UTCDateTimeAttribute()
    pdf_name = UnicodeAttribute(null=True)
