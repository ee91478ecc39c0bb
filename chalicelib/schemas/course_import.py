"""The legacy course document (`{"course": {"modules": [...]}}`) and the import's answer.

Strict on purpose: a migration that silently coerced or dropped data would lose a course without
anyone noticing, so wrong types and unknown keys are 422s naming their path, like every other body.
Titles may be missing or blank (the importer names them `Module N` / `Lesson N`); text limits match
the builder's, so an imported course stays editable with the builder's own rules.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from chalicelib.schemas.course import Markdown, Takeaways


class LegacyBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


OptionalTitle = Annotated[StrictStr, Field(max_length=200)] | None


class LegacyLesson(LegacyBody):
    title: OptionalTitle = None
    content: Markdown = ""
    key_takeaways: Takeaways = []
    video_url: Annotated[StrictStr, Field(max_length=500)] | None = None


class LegacyModule(LegacyBody):
    title: OptionalTitle = None
    description: Annotated[StrictStr, Field(max_length=5_000)] = ""
    lessons: list[LegacyLesson] = []


class LegacyCourse(LegacyBody):
    modules: Annotated[list[LegacyModule], Field(min_length=1)]


class CourseImport(LegacyBody):
    """The whole legacy document; its canonical JSON is what makes a re-run recognisable."""

    course: LegacyCourse


class ImportedModule(BaseModel):
    module_id: str
    title: str
    lesson_ids: list[str]


class ImportResult(BaseModel):
    product_id: str
    import_hash: str
    is_already_imported: bool
    module_count: int
    lesson_count: int
    modules: list[ImportedModule]
