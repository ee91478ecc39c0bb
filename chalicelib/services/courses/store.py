"""Reading a course's content, and the one write protocol every change of it goes through (the course lock).

A write plans its items against one read of the outline and commits them in ONE transaction that also moves
`ROOT.content_version` from the version read; a lost race re-reads and re-plans. The plan helpers below are the
building blocks the modules, lessons and quizzes modules plan with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import Product
from chalicelib.models.course import (
    OUTLINE_PREFIX,
    ROOT_SK,
    CourseItem,
    CourseRoot,
    LessonBody,
    LessonNode,
    QuestionNode,
    QuizNode,
    body_sk,
    question_prefix,
)
from chalicelib.services.catalog import products
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction
from chalicelib.services.courses.outline import Outline, course_stats

MAX_CHILDREN = 90  # a reorder rewrites every sibling in one transaction (100 items at most)
RETRIES = 5
RETRY_DELAY = 0.01  # seconds, the base of the jittered backoff between lost races

Plan = Callable[[TransactWrite], None]


# --- reading ---------------------------------------------------------------------------------------


def load_outline(product_id: str, consistent: bool = True) -> Outline:
    """The whole outline in one Query (PynamoDB follows pages for very large courses)."""
    items = CourseItem.query(product_id, CourseItem.sk.between(OUTLINE_PREFIX, ROOT_SK), consistent_read=consistent)
    return Outline.from_items(list(items))


def load_questions(product_id: str, quiz_id: str) -> list[QuestionNode]:
    items = CourseItem.query(product_id, CourseItem.sk.startswith(question_prefix(quiz_id)), consistent_read=True)
    return sorted((q for q in items if isinstance(q, QuestionNode)), key=lambda q: q.position)


def load_body(product_id: str, lesson_id: str) -> LessonBody | None:
    try:
        item = CourseItem.get(product_id, body_sk(lesson_id))
    except CourseItem.DoesNotExist:
        return None
    return item if isinstance(item, LessonBody) else None


def load_bodies(product_id: str, lesson_ids: list[str]) -> dict[str, LessonBody]:
    """Several lessons' bodies in one BatchGetItem (a module holds at most MAX_CHILDREN lessons)."""
    items = CourseItem.batch_get([(product_id, body_sk(lesson_id)) for lesson_id in lesson_ids])
    return {item.lesson_id: item for item in items if isinstance(item, LessonBody)}


def owned_course(creator_id: str, product_id: str) -> Product:
    product = products.get_owned(creator_id, product_id)
    if product.product_type != "course":
        raise InvalidInput("only course products have modules, lessons and quizzes")
    if product.status == "archived":
        raise Conflict("archived courses cannot be edited")
    return product


# --- the write protocol --------------------------------------------------------------------------


def course_changed() -> Conflict:
    return Conflict("the course changed meanwhile; reload and retry")


def apply_change(product_id: str, build: Callable[[Outline], tuple[list[Plan], Any]]) -> Any:
    """Read the outline, let `build` validate and plan writes, commit them under the course lock."""
    for _ in retry_on_conflict(RETRIES, RETRY_DELAY, course_changed):
        outline = load_outline(product_id)
        plans, result = build(outline)
        try:
            with transaction() as tx:
                lock(tx, product_id, outline)
                for plan in plans:
                    plan(tx)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        refresh_stats(product_id)
        return result


def lock(tx: TransactWrite, product_id: str, outline: Outline, import_hash: str | None = None) -> None:
    """Move ROOT.content_version on from the version `outline` was read at (creating ROOT at 1); `import_hash` is
    recorded with it (the importer's idempotency)."""
    hashes = {import_hash} if import_hash else set()
    if outline.root is None:
        tx.save(CourseRoot(product_id, ROOT_SK, content_version=1, import_hashes=hashes),
                condition=CourseItem.sk.does_not_exist())
    else:
        actions = [CourseRoot.content_version.add(1)] + ([CourseRoot.import_hashes.add(hashes)] if hashes else [])
        tx.update(CourseRoot(product_id, ROOT_SK), actions=actions,
                  condition=CourseRoot.content_version == outline.content_version)


def refresh_stats(product_id: str) -> dict[str, Any]:
    outline = load_outline(product_id)
    stats = course_stats(outline)
    products.update_course_stats(product_id, stats, content_version=outline.content_version,
                                lesson_ids={lesson.lesson_id for lesson in outline.lessons})
    return stats


# --- planning helpers ------------------------------------------------------------------------------


def plan_save(item: CourseItem) -> Plan:
    return lambda tx: tx.save(item)


def plan_delete(item: CourseItem) -> Plan:
    return lambda tx: tx.delete(item)


def plan_position(item: CourseItem, position: int, **extra: Any) -> Plan:
    actions = [type(item).position.set(position)]
    actions += [getattr(type(item), name).set(value) for name, value in extra.items()]
    return lambda tx: tx.update(item, actions=actions)


def densify(siblings: list[Any], removed_id: str, id_attr: str) -> list[Plan]:
    """Close the gap a removed child leaves, so positions stay 0..n-1."""
    remaining = [s for s in siblings if getattr(s, id_attr) != removed_id]
    return [plan_position(s, i) for i, s in enumerate(remaining) if s.position != i]


def require(found: Any, what: str) -> Any:
    if found is None:
        raise NotFound(f"{what} not found")
    return found


def keep_a_lesson(product: Product, outline: Outline, removed: set[str]) -> None:
    """A published course keeps at least one lesson (publishing needs one: an empty course is never completable)."""
    if product.status == "published" and not any(lesson.lesson_id not in removed for lesson in outline.lessons):
        raise Conflict("a published course keeps at least one lesson; archive the course instead")


def check_room(count: int, what: str) -> None:
    if count >= MAX_CHILDREN:
        raise InvalidInput(f"a {what} holds at most {MAX_CHILDREN} items")


def reorder(children: list[Any], ids: list[str], id_attr: str) -> tuple[list[Plan], list[Any]]:
    """Plans that give `children` the order of `ids` (which must list exactly them, else 409), and the new order."""
    current = [getattr(child, id_attr) for child in children]
    if len(ids) != len(set(ids)) or set(ids) != set(current):
        raise Conflict("the order must list exactly the current children, each once",
                       [{"loc": ["body"], "msg": "current children", "type": "stale", "current": current}])
    by_id = {getattr(child, id_attr): child for child in children}
    plans = [plan_position(by_id[cid], i) for i, cid in enumerate(ids) if by_id[cid].position != i]
    for i, cid in enumerate(ids):
        by_id[cid].position = i
    return plans, [by_id[cid] for cid in ids]


def update_node(creator_id: str, product_id: str, find: Callable[[Outline], Any], what: str,
                fields: dict[str, Any]) -> Any:
    """Set plain fields on one outline node (a module or a quiz) under the course lock."""
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        node = require(find(outline), what)
        for name, value in fields.items():
            setattr(node, name, value)
        return [plan_save(node)], node

    return apply_change(product_id, build)


def delete_in_batches(product_id: str, lessons: list[LessonNode], quizzes: list[QuizNode]) -> None:
    """Delete lessons (with their bodies) and quizzes (with their questions) outside the lock, in batches: they can
    exceed one transaction. Callers then delete the parent under the lock, so a crash leaves no orphan."""
    with CourseItem.batch_write() as batch:
        for lesson in lessons:
            batch.delete(CourseItem(product_id, body_sk(lesson.lesson_id)))
            batch.delete(lesson)
        for quiz in quizzes:
            for question in load_questions(product_id, quiz.quiz_id):
                batch.delete(question)
            batch.delete(quiz)
