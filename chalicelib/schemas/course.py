"""Course builder requests and responses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from chalicelib.schemas.common import StrictBody, omittable
from chalicelib.schemas.products import OutlineModule, OutlineQuiz

Title = Annotated[str, Field(min_length=1, max_length=200)]
Seconds = Annotated[StrictInt, Field(ge=0, le=600_000)]  # durations: whole seconds
Id = Annotated[str, Field(min_length=1, max_length=64)]
LessonSlug = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
ContentType = Literal["text", "video", "video_embed", "quiz_inline", "exercise"]
Takeaways = Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=20)]
Markdown = Annotated[str, Field(max_length=100_000)]


class ModuleCreate(StrictBody):
    title: Title
    description: Annotated[str, Field(max_length=5_000)] = ""
    is_free_preview: bool = False
    estimated_duration_seconds: Seconds = 0


class ModuleUpdate(StrictBody):
    title: Title = omittable()
    description: Annotated[str, Field(max_length=5_000)] = omittable()
    is_free_preview: bool = omittable()
    estimated_duration_seconds: Seconds = omittable()


class ModuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    module_id: str
    title: str
    description: str
    position: int
    is_free_preview: bool
    estimated_duration_seconds: int


class LessonCreate(StrictBody):
    title: Title
    slug: LessonSlug = omittable()
    content_type: ContentType = "text"
    content: Markdown = ""
    key_takeaways: Takeaways = []
    estimated_duration_seconds: Seconds = 0
    is_free_preview: bool = False
    video_url: Annotated[str, Field(max_length=500)] | None = None
    video_asset_id: Id | None = None  # `video` lessons: your own ready video (GET /v1/videos)


class LessonUpdate(StrictBody):
    title: Title = omittable()
    slug: LessonSlug = omittable()
    content_type: ContentType = omittable()
    content: Markdown = omittable()
    key_takeaways: Takeaways = omittable()
    estimated_duration_seconds: Seconds = omittable()
    is_free_preview: bool = omittable()
    video_url: Annotated[str, Field(max_length=500)] | None = None
    video_asset_id: Id | None = None  # null detaches the video


class LessonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    lesson_id: str
    module_id: str
    position: int
    title: str
    slug: str
    content_type: ContentType
    estimated_duration_seconds: int
    is_free_preview: bool
    video_asset_id: str | None = None
    video_duration_seconds: int | None = None
    video_url: str | None = None
    content: str = ""
    key_takeaways: list[str] = []


class Order(StrictBody):
    ids: Annotated[list[Id], Field(max_length=200)]


class LessonMove(StrictBody):
    module_id: Id
    position: Annotated[StrictInt, Field(ge=0)] | None = None


class QuizCreate(StrictBody):
    scope: Literal["module", "course", "inline"]
    module_id: Id | None = None
    lesson_id: Id | None = None
    title: Title
    passing_score_percent: Annotated[StrictInt, Field(ge=0, le=100)] = 70
    is_retakable: bool = True
    is_free_preview: bool = False

    @model_validator(mode="after")
    def _placement(self) -> QuizCreate:
        if self.scope == "module" and not self.module_id:
            raise ValueError("a module quiz needs module_id")
        if self.scope == "inline" and not self.lesson_id:
            raise ValueError("an inline quiz needs lesson_id")
        if self.scope == "course" and (self.module_id or self.lesson_id):
            raise ValueError("a course quiz has neither module_id nor lesson_id")
        return self


class QuizUpdate(StrictBody):
    title: Title = omittable()
    passing_score_percent: Annotated[StrictInt, Field(ge=0, le=100)] = omittable()
    is_retakable: bool = omittable()
    is_free_preview: bool = omittable()


class QuizOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    quiz_id: str
    scope: str
    module_id: str | None = None
    lesson_id: str | None = None
    title: str
    position: int
    passing_score_percent: int
    is_retakable: bool
    is_free_preview: bool
    question_count: int


Option = Annotated[str, Field(min_length=1, max_length=500)]


class QuestionCreate(StrictBody):
    question_type: Literal["multiple_choice", "true_false", "multi_select"]
    prompt: Annotated[str, Field(min_length=1, max_length=2_000)]
    options: Annotated[list[Option], Field(max_length=10)] = []
    correct: Annotated[list[Annotated[StrictInt, Field(ge=0, le=9)]], Field(min_length=1, max_length=10)]
    explanation: Annotated[str, Field(max_length=2_000)] = ""


class QuestionUpdate(StrictBody):
    prompt: Annotated[str, Field(min_length=1, max_length=2_000)] = omittable()
    options: Annotated[list[Option], Field(max_length=10)] = omittable()
    correct: Annotated[list[Annotated[StrictInt, Field(ge=0, le=9)]], Field(min_length=1, max_length=10)] = omittable()
    explanation: Annotated[str, Field(max_length=2_000)] = omittable()


class QuestionOut(BaseModel):
    """A question as its author sees it, correct answers included."""

    model_config = ConfigDict(from_attributes=True)

    question_id: str
    question_type: str
    prompt: str
    options: list[str]
    correct: list[int]
    explanation: str
    position: int


class QuizWithQuestions(QuizOut):
    questions: list[QuestionOut]


class ModuleList(BaseModel):
    items: list[ModuleOut]


class LessonList(BaseModel):
    items: list[LessonOut]


class QuestionList(BaseModel):
    items: list[QuestionOut]


class CourseContent(BaseModel):
    modules: list[OutlineModule]
    course_quizzes: list[OutlineQuiz]
    content_version: int
