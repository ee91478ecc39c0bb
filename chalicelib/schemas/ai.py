"""AI course tools: request bodies, the shapes a model must answer in (validated before anything is written), and
the responses.

The model's answer is untrusted input: `*Draft` models parse it with the same limits the course builder and the
catalog apply to a human's input (quiz questions are the builder's own `QuestionCreate`), ignoring extra keys a
model may add but never coercing types.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from chalicelib.schemas.common import StrictBody
from chalicelib.schemas.course import Markdown, ModuleOut, QuestionCreate, QuizWithQuestions, Takeaways, Title

MAX_OUTLINE_LESSONS = 40  # modules + lessons + bodies + the course lock fit one 100-item transaction


def _check_outline_size(modules: int, lessons: int) -> None:
    if lessons > MAX_OUTLINE_LESSONS:
        raise ValueError(f"an outline holds at most {MAX_OUTLINE_LESSONS} lessons ({modules} modules, {lessons} asked)")


# --- requests --------------------------------------------------------------------------------------


class OutlineRequest(StrictBody):
    topic: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5_000)] = ""
    audience: Annotated[str, Field(max_length=300)] = ""
    module_count: Annotated[StrictInt, Field(ge=1, le=10)] = 4
    lessons_per_module: Annotated[StrictInt, Field(ge=1, le=8)] = 3
    apply: bool = False  # write it into the course as new modules and lessons (all or nothing)

    @model_validator(mode="after")
    def _fits(self) -> OutlineRequest:
        _check_outline_size(self.module_count, self.module_count * self.lessons_per_module)
        return self


class EnhanceRequest(StrictBody):
    instructions: Annotated[str, Field(max_length=1_000)] = ""


class EnhanceApply(StrictBody):
    """The reviewed text (as returned by `ai/enhance`, possibly edited) to write into the lesson."""

    content: Annotated[str, Field(min_length=1, max_length=100_000)]
    key_takeaways: Takeaways = []


class QuizRequest(StrictBody):
    question_count: Annotated[StrictInt, Field(ge=1, le=20)] = 5
    apply: bool = False  # save it as a new quiz at the end of the module


Tone = Literal["friendly", "professional", "enthusiastic", "concise"]


class DescriptionRequest(StrictBody):
    tone: Tone = "friendly"
    apply: bool = False  # replace the product's description


# --- what the model must answer --------------------------------------------------------------------


class _Draft(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, strict=True)


class LessonDraft(_Draft):
    title: Title
    summary: Annotated[str, Field(max_length=1_000)] = ""


class ModuleDraft(_Draft):
    title: Title
    summary: Annotated[str, Field(max_length=5_000)] = ""
    lessons: Annotated[list[LessonDraft], Field(min_length=1, max_length=8)]


class OutlineDraft(_Draft):
    modules: Annotated[list[ModuleDraft], Field(min_length=1, max_length=10)]

    @model_validator(mode="after")
    def _fits(self) -> OutlineDraft:
        _check_outline_size(len(self.modules), sum(len(m.lessons) for m in self.modules))
        return self


class EnhanceDraft(_Draft):
    content: Annotated[Markdown, Field(min_length=1)]
    key_takeaways: Takeaways = []


class QuizDraft(_Draft):
    title: Title
    questions: Annotated[list[QuestionCreate], Field(min_length=1, max_length=20)]


class DescriptionDraft(_Draft):
    tagline: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(min_length=1, max_length=20_000)]


# --- responses (a draft as validated, plus what was done with it; read back from the ledger on a retry) ---


class AiUsage(BaseModel):
    request_id: str  # the Idempotency-Key (or a generated id): retrying with it is never charged twice
    model: str  # `offline-extractive-v1` when the offline provider answered
    input_tokens: int
    output_tokens: int
    total_tokens: int


class AppliedModule(ModuleOut):
    lesson_ids: list[str]


class OutlineResult(OutlineDraft):
    model_config = ConfigDict(strict=False)

    applied_modules: list[AppliedModule] | None = None  # the modules written, when `apply` was asked
    usage: AiUsage


class EnhanceResult(EnhanceDraft):
    model_config = ConfigDict(strict=False)

    lesson_id: str
    usage: AiUsage


class QuizResult(QuizDraft):
    model_config = ConfigDict(strict=False)

    applied_quiz: QuizWithQuestions | None = None  # the quiz written, when `apply` was asked
    usage: AiUsage


class DescriptionResult(DescriptionDraft):
    model_config = ConfigDict(strict=False)

    is_applied: bool
    usage: AiUsage
