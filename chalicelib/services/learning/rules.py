"""Who may open what in a course: decided on every request from the grant (the source of truth, via
`catalog.get_visible`) and the outline's free-preview flags, so a revoked grant or a flag change applies at once."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.errors import NotFound
from chalicelib.models import Product
from chalicelib.models.course import LessonNode, QuizNode
from chalicelib.services.catalog import products
from chalicelib.services.courses import store
from chalicelib.services.courses.outline import Outline, access_reason
from chalicelib.services.learning.errors import LessonLocked, Locked, QuizLocked


@dataclass(frozen=True)
class Course:
    """A course as the caller may see it."""

    product: Product
    full_access: str | None  # owner | purchased | gifted | promotional, or None
    outline: Outline

    @property
    def product_id(self) -> str:
        return self.product.product_id


def course(ref: str, user_id: str | None) -> Course:
    """A course visible to the caller (drafts: owner only; archived: owner and holders), with its outline."""
    product, reason = products.get_visible(ref, user_id)
    if product.product_type != "course":
        raise NotFound("this product has no lessons or quizzes")
    return Course(product, reason, store.load_outline(product.product_id, consistent=False))


def lesson(course: Course, lesson_ref: str) -> tuple[LessonNode, str]:
    """An open lesson, named by its id or its slug, and why it is open (its owner, a grant, or a free preview);
    else 404 or 403 `lesson_locked`. Callers go on with `node.lesson_id`: ids stay canonical."""
    found = course.outline.lesson_by_ref(lesson_ref)
    if found is None:
        raise NotFound("lesson not found")
    return found, _unlocked(course, LessonLocked, found.lesson_id, course.outline.lesson_is_free(found))


def quiz(course: Course, quiz_id: str) -> QuizNode:
    """An open quiz (free when it, its module or its host lesson is); else 404 or 403 `quiz_locked`."""
    found = course.outline.quiz(quiz_id)
    if found is None:
        raise NotFound("quiz not found")
    _unlocked(course, QuizLocked, quiz_id, course.outline.quiz_is_free(found))
    return found


def open_lesson(user_id: str | None, ref: str, lesson_id: str) -> tuple[Product, LessonNode, str]:
    """A lesson the caller may open, by exactly the lesson view's rule (404 unseen, 403 `lesson_locked`), with its
    product and the access reason (video playback authorizes with it)."""
    found = course(ref, user_id)
    node, reason = lesson(found, lesson_id)
    return found.product, node, reason


def _unlocked(course: Course, locked: type[Locked], item_id: str, free: bool) -> str:
    accessible, reason = access_reason(course.full_access, free)
    if not accessible:
        raise locked(course.product_id, item_id, reason)
    return reason
