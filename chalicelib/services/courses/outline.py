"""A course's outline as plain data, and what follows from it (pure functions, unit-tested).

`Outline` is built from the one Query over a product's `O#` range; stats, the freemium access map and
the learner-facing tree are all derived from it without further reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.models.course import CourseRoot, LessonNode, ModuleNode, QuizNode

FULL_ACCESS_REASONS = ("owner", "purchased", "gifted", "promotional")


@dataclass
class Outline:
    root: CourseRoot | None = None
    modules: list[ModuleNode] = field(default_factory=list)
    lessons: list[LessonNode] = field(default_factory=list)
    quizzes: list[QuizNode] = field(default_factory=list)

    @classmethod
    def from_items(cls, items: list[Any]) -> Outline:
        outline = cls()
        for item in items:
            if isinstance(item, CourseRoot):
                outline.root = item
            elif isinstance(item, ModuleNode):
                outline.modules.append(item)
            elif isinstance(item, LessonNode):
                outline.lessons.append(item)
            elif isinstance(item, QuizNode):
                outline.quizzes.append(item)
        # Items whose module is gone (an interrupted import or delete) are invisible everywhere.
        placed = {m.module_id for m in outline.modules}
        outline.lessons = [lesson for lesson in outline.lessons if lesson.module_id in placed]
        outline.quizzes = [q for q in outline.quizzes if q.module_id is None or q.module_id in placed]
        outline.modules.sort(key=lambda m: m.position)
        outline.lessons.sort(key=lambda lesson: (lesson.module_id, lesson.position))
        outline.quizzes.sort(key=lambda q: (q.scope, q.module_id or "", q.position))
        return outline

    @property
    def content_version(self) -> int:
        return int(self.root.content_version) if self.root else 0

    def module(self, module_id: str) -> ModuleNode | None:
        return next((m for m in self.modules if m.module_id == module_id), None)

    def lesson(self, lesson_id: str) -> LessonNode | None:
        return next((lesson for lesson in self.lessons if lesson.lesson_id == lesson_id), None)

    def lesson_by_ref(self, ref: str) -> LessonNode | None:
        """A lesson by its id or by its slug (slugs are unique in a course and never look like an id: no `_`)."""
        return self.lesson(ref) or next((lesson for lesson in self.lessons if lesson.slug == ref), None)

    def inline_quizzes(self, lesson_id: str) -> list[QuizNode]:
        return [q for q in self.quizzes if q.scope == "inline" and q.lesson_id == lesson_id]

    def quiz(self, quiz_id: str) -> QuizNode | None:
        return next((q for q in self.quizzes if q.quiz_id == quiz_id), None)

    def lessons_of(self, module_id: str) -> list[LessonNode]:
        return [lesson for lesson in self.lessons if lesson.module_id == module_id]

    def quizzes_of(self, scope: str, module_id: str | None = None) -> list[QuizNode]:
        return [q for q in self.quizzes if q.scope == scope and (module_id is None or q.module_id == module_id)]

    def free_module_ids(self) -> set[str]:
        return {m.module_id for m in self.modules if m.is_free_preview}

    def lesson_is_free(self, lesson: LessonNode) -> bool:
        return bool(lesson.is_free_preview) or lesson.module_id in self.free_module_ids()

    def quiz_is_free(self, quiz: QuizNode) -> bool:
        if quiz.is_free_preview or (quiz.module_id and quiz.module_id in self.free_module_ids()):
            return True
        host = self.lesson(quiz.lesson_id) if quiz.lesson_id else None
        return bool(host and self.lesson_is_free(host))

    def final_assessments(self) -> list[QuizNode]:
        """Course-level quizzes: a course is complete only once these are passed."""
        return self.quizzes_of("course")


def lesson_seconds(lesson: LessonNode) -> int:
    """What a lesson takes: the creator's estimate, else its attached video's length."""
    return int(lesson.estimated_duration_seconds or 0) or int(lesson.video_duration_seconds or 0)


def has_video(lesson: LessonNode) -> bool:
    """A native video is attached (playable through `.../playback`)."""
    return lesson.content_type == "video" and bool(lesson.video_asset_id)


def course_stats(outline: Outline) -> dict[str, Any]:
    """The product's denormalized stats."""
    lessons = outline.lessons
    free = [lesson for lesson in lessons if outline.lesson_is_free(lesson)]
    return {
        "total_modules": len(outline.modules),
        "total_lessons": len(lessons),
        "total_duration_seconds": sum(lesson_seconds(lesson) for lesson in lessons),
        "has_free_preview": bool(free) or any(outline.quiz_is_free(q) for q in outline.quizzes),
        "free_preview_lesson_count": len(free),
    }


def access_reason(full_access: str | None, free: bool) -> tuple[bool, str]:
    if full_access:
        return True, full_access
    if free:
        return True, "free_preview"
    return False, "locked"


def lesson_access_map(outline: Outline, full_access: str | None) -> dict[str, dict[str, Any]]:
    """`{lesson_id: {"is_accessible": bool, "reason": owner|purchased|gifted|promotional|free_preview|locked}}`."""
    result = {}
    for lesson in outline.lessons:
        accessible, reason = access_reason(full_access, outline.lesson_is_free(lesson))
        result[lesson.lesson_id] = {"is_accessible": accessible, "reason": reason}
    return result


def outline_tree(outline: Outline, full_access: str | None) -> list[dict[str, Any]]:
    """Modules → lessons (each with its inline quizzes) and module quizzes, with titles, types, minutes and lock
    state; never content."""
    tree = []
    for module in outline.modules:
        lessons = []
        for lesson in outline.lessons_of(module.module_id):
            accessible, reason = access_reason(full_access, outline.lesson_is_free(lesson))
            lessons.append({"lesson_id": lesson.lesson_id, "title": lesson.title, "slug": lesson.slug,
                            "content_type": lesson.content_type, "estimated_duration_seconds": lesson_seconds(lesson),
                            "has_video": has_video(lesson), "video_duration_seconds": lesson.video_duration_seconds,
                            "position": lesson.position, "is_free_preview": bool(lesson.is_free_preview),
                            "is_locked": not accessible, "access_reason": reason,
                            "quizzes": [quiz_summary(outline, q, full_access)
                                        for q in outline.inline_quizzes(lesson.lesson_id)]})
        tree.append({"module_id": module.module_id, "title": module.title, "description": module.description,
                     "position": module.position, "is_free_preview": bool(module.is_free_preview),
                     "estimated_duration_seconds": module.estimated_duration_seconds, "lessons": lessons,
                     "quizzes": [quiz_summary(outline, q, full_access)
                                 for q in outline.quizzes_of("module", module.module_id)]})
    return tree


def quiz_summary(outline: Outline, quiz: QuizNode, full_access: str | None) -> dict[str, Any]:
    accessible, reason = access_reason(full_access, outline.quiz_is_free(quiz))
    return {"quiz_id": quiz.quiz_id, "title": quiz.title, "scope": quiz.scope, "module_id": quiz.module_id,
            "lesson_id": quiz.lesson_id, "position": quiz.position, "question_count": quiz.question_count,
            "passing_score_percent": quiz.passing_score_percent, "is_retakable": bool(quiz.is_retakable),
            "is_free_preview": bool(quiz.is_free_preview), "is_locked": not accessible, "access_reason": reason}
