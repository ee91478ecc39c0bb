"""The learner's requests and responses: enrollment, lessons, progress, quizzes, certificates, library.

Learner-facing question shapes have no `correct`/`explanation` fields at all, so the response validation
in `routing.render` would drop them even if a service passed them by mistake; only `GradedAttempt`
(after a submission) carries them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from chalicelib.schemas.common import StrictBody
from chalicelib.schemas.course import LessonOut
from chalicelib.schemas.products import OutlineQuiz, ProductType

AccessType = Literal["purchased", "gifted", "promotional", "preview"]
MAX_TIME_DELTA_SECONDS = 4 * 3600  # one call reports at most four hours of study
Id = Annotated[str, Field(min_length=1, max_length=64)]
UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@:-]+$")]
OptionIndex = Annotated[StrictInt, Field(ge=0, le=9)]


# --- requests ---------------------------------------------------------------------------------------


class GrantCreate(StrictBody):
    user_id: UserId
    access_type: Literal["gifted", "promotional"]


class ProgressUpdate(StrictBody):
    """Only the fields sent change. `time_spent_seconds` is a delta added to the total."""

    is_completed: StrictBool | None = None
    time_spent_seconds: Annotated[StrictInt, Field(ge=0, le=MAX_TIME_DELTA_SECONDS)] | None = None
    video_progress_seconds: Annotated[StrictInt, Field(ge=0, le=24 * 3600)] | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None
    is_bookmarked: StrictBool | None = None


class AttemptResetCreate(StrictBody):
    """Let a learner take a quiz again; `reason` is kept with the reset (the audit record)."""

    user_id: UserId
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class AttemptCreate(StrictBody):
    """`answers`: question id → chosen option indexes (one for single-answer questions)."""

    answers: Annotated[dict[Id, Annotated[list[OptionIndex], Field(max_length=10)]], Field(max_length=100)]


# --- responses --------------------------------------------------------------------------------------


class GrantOut(BaseModel):
    user_id: str
    product_id: str
    access_type: str
    status: str
    granted_at: datetime


class ProgressSummary(BaseModel):
    product_id: str
    access_type: AccessType
    enrolled_at: datetime
    lessons_completed: int
    total_lessons: int
    progress_percent: int
    total_time_spent_seconds: int
    last_activity_at: datetime
    last_lesson_id: str | None = None
    passed_quiz_ids: list[str]
    is_completed: bool
    completed_at: datetime | None = None
    certificate_id: str | None = None


class EnrollOut(BaseModel):
    product_id: str
    product_type: ProductType
    access_type: AccessType
    enrollment: ProgressSummary | None = None


class LessonProgressOut(BaseModel):
    lesson_id: str
    is_completed: bool
    completed_at: datetime | None = None
    time_spent_seconds: int
    video_progress_seconds: int
    notes: str | None = None
    is_bookmarked: bool
    updated_at: datetime


class LessonRead(LessonOut):
    """A lesson as a learner with access reads it: the builder's fields plus access, quizzes and progress."""

    product_id: str
    access_reason: Literal["owner", "purchased", "gifted", "promotional", "free_preview"]
    quizzes: list[OutlineQuiz]
    progress: LessonProgressOut | None = None


class ProgressUpdateOut(BaseModel):
    lesson: LessonProgressOut
    enrollment: ProgressSummary


class CourseProgress(BaseModel):
    enrollment: ProgressSummary
    lessons: list[LessonProgressOut]


class LearnerQuestion(BaseModel):
    """A question as a learner sees it before answering: no correct answers, no explanation."""

    question_id: str
    question_type: str
    prompt: str
    options: list[str]
    position: int


class AttemptSummary(BaseModel):
    attempt_number: int
    score: int
    max_score: int
    score_percent: int
    is_passed: bool
    passing_score_percent: int
    submitted_at: datetime


class LearnerQuiz(OutlineQuiz):
    questions: list[LearnerQuestion]
    attempts: list[AttemptSummary]
    attempts_total: int


class QuestionResult(BaseModel):
    question_id: str
    prompt: str
    options: list[str]
    selected: list[int]
    is_correct: bool
    correct_answers: list[int]
    explanation: str


class GradedAttempt(AttemptSummary):
    quiz_id: str
    results: list[QuestionResult]
    enrollment: ProgressSummary


class AttemptResetOut(BaseModel):
    user_id: str
    product_id: str
    quiz_id: str
    attempt_number: int  # the reset takes the learner's next attempt number
    reset_by: str
    reason: str
    reset_at: datetime


class LessonNote(BaseModel):
    lesson_id: str
    lesson_title: str
    lesson_slug: str
    module_id: str
    module_title: str
    notes: str | None = None
    is_bookmarked: bool
    updated_at: datetime


class LessonNotes(BaseModel):
    """A learner's notes and bookmarks in a course, in course order."""

    items: list[LessonNote]


class CertificateOut(BaseModel):
    certificate_id: str
    learner_name: str
    course_title: str
    product_id: str
    creator_id: str
    creator_name: str
    completed_at: datetime


class CertificatePdfOut(BaseModel):
    """A presigned URL of the certificate's PDF (A4, with a QR code of its verification page)."""

    certificate_id: str
    url: str
    expires_in_seconds: int


class LibraryProduct(BaseModel):
    product_id: str
    product_type: ProductType
    title: str
    slug: str
    status: str
    creator_id: str
    cover_image_url: str | None = None


class LibraryItem(BaseModel):
    product: LibraryProduct
    access_type: AccessType
    granted_at: datetime
    last_activity_at: datetime
    via_bundle: str | None = None  # the bundle (its product id) this product is held through
    progress: ProgressSummary | None = None


class LibraryPage(BaseModel):
    items: list[LibraryItem]
    next_cursor: str | None = None
