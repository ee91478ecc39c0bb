"""Writing validated AI drafts into a course: all or nothing, through the course builder's write protocol.

Each write is ONE transaction under the course lock (`courses.store.apply_change`: read the outline, plan, commit
conditioned on `content_version`, retry on a lost race, recompute the stats), so a draft appears whole or not at
all and concurrent builder edits serialize with it. An outline is at most 10 modules and 40 lessons
(`schemas.ai.MAX_OUTLINE_LESSONS`): modules + lessons + bodies + the lock stay within one 100-item transaction.
Ids derive from the request id (`courses.importer.derived_id`), so a re-run of the same request writes the same
items instead of new ones. Lessons are plain text drafts holding their summary; nothing is a free preview.
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, NotFound
from chalicelib.models.course import (
    LessonBody,
    LessonNode,
    ModuleNode,
    QuestionNode,
    QuizNode,
    body_sk,
    lesson_sk,
    module_sk,
    question_sk,
    quiz_sk,
)
from chalicelib.services.courses.importer import derived_id
from chalicelib.services.courses.lessons import slugify
from chalicelib.services.courses.outline import Outline
from chalicelib.services.courses.store import MAX_CHILDREN, apply_change


def _saves(items: list[Any]) -> list[Any]:
    return [lambda tx, item=item: tx.save(item) for item in items]


def check_room(count: int, what: str) -> None:
    """`count` children after the write must fit the builder's limit (a reorder rewrites them in one transaction)."""
    if count > MAX_CHILDREN:
        raise InvalidInput(f"a {what} holds at most {MAX_CHILDREN} items")


def _free_slug(title: str, taken: set[str]) -> str:
    base, n = slugify(title), 2
    slug = base
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def write_outline(product_id: str, draft: Any, request_id: str) -> list[dict[str, Any]]:
    """Append the draft's modules (with their lessons) after the course's current ones; what was written."""

    def build(outline: Outline):
        check_room(len(outline.modules) + len(draft.modules), "course")
        taken = {lesson.slug for lesson in outline.lessons}
        items: list[Any] = []
        written = []
        for m, module in enumerate(draft.modules):
            module_id = derived_id("mod", product_id, request_id, m)
            node = ModuleNode(product_id, module_sk(module_id), module_id=module_id,
                              position=len(outline.modules) + m, title=module.title, description=module.summary,
                              is_free_preview=False, estimated_duration_seconds=0)
            lesson_ids = []
            for n, lesson in enumerate(module.lessons):
                lesson_id = derived_id("les", product_id, request_id, m, n)
                lesson_ids.append(lesson_id)
                items.append(LessonNode(product_id, lesson_sk(lesson_id), lesson_id=lesson_id, module_id=module_id,
                                        position=n, title=lesson.title, slug=_free_slug(lesson.title, taken),
                                        content_type="text", estimated_duration_seconds=0, is_free_preview=False))
                items.append(LessonBody(product_id, body_sk(lesson_id), lesson_id=lesson_id, content=lesson.summary))
            items.append(node)
            written.append({"module_id": module_id, "title": node.title, "description": node.description,
                            "position": node.position, "is_free_preview": False, "estimated_duration_seconds": 0,
                            "lesson_ids": lesson_ids})
        return _saves(items), written

    return apply_change(product_id, build)


def write_quiz(product_id: str, module_id: str, title: str, questions: list[dict[str, Any]],
               request_id: str) -> dict[str, Any]:
    """Add a module quiz with its (already checked) questions at the end of the module's quizzes."""
    quiz_id = derived_id("qz", product_id, request_id)

    def build(outline: Outline):
        if outline.module(module_id) is None:
            raise NotFound("module not found")
        siblings = outline.quizzes_of("module", module_id)
        check_room(len(siblings) + 1, "module's quiz list")
        quiz = QuizNode(product_id, quiz_sk(quiz_id), quiz_id=quiz_id, scope="module", module_id=module_id,
                        lesson_id=None, title=title, position=len(siblings), passing_score_percent=70,
                        is_retakable=True, is_free_preview=False, question_count=len(questions))
        nodes = [QuestionNode(product_id, question_sk(quiz_id, question_id), quiz_id=quiz_id,
                              question_id=question_id, position=i, **question)
                 for i, question in enumerate(questions)
                 for question_id in [derived_id("qq", product_id, request_id, i)]]
        written = {**_plain(quiz, exclude=("product_id", "sk", "kind")),
                   "questions": [_plain(node, exclude=("product_id", "sk", "kind", "quiz_id")) for node in nodes]}
        return _saves([quiz, *nodes]), written

    return apply_change(product_id, build)


def _plain(item: Any, exclude: tuple[str, ...]) -> dict[str, Any]:
    """An item's attributes as plain values (the result is stored in the ledger for retries)."""
    return {name: getattr(item, name) for name in type(item).get_attributes() if name not in exclude}
