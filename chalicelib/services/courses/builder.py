"""The course builder: modules, lessons, quizzes and questions, owned by the product's creator.

Concurrency: every write is one read of the outline plus one transaction conditioned on the course's
`content_version` (the ROOT item) that also bumps it. Two concurrent edits therefore never both apply
against the same snapshot: the loser re-reads and re-validates (up to a few times), and a reorder that
no longer matches the current children answers 409. Positions stay unique and dense.
After every write the product's stats are recomputed from the committed outline.
"""

from __future__ import annotations

import re
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
    ModuleNode,
    QuestionNode,
    QuizNode,
    body_sk,
    lesson_sk,
    module_sk,
    question_prefix,
    question_sk,
    quiz_sk,
)
from chalicelib.services.catalog import products as catalog
from chalicelib.services.core.db import cancellation_codes, transaction
from chalicelib.services.core.ids import new_id
from chalicelib.services.courses.embeds import normalize_embed_url
from chalicelib.services.courses.outline import Outline, course_stats
from chalicelib.services.video import videos

MAX_CHILDREN = 90  # a reorder rewrites every sibling in one transaction (100 items at most)
RETRIES = 5
LESSON_BODY_FIELDS = ("content", "key_takeaways")


class _Stale(Exception):
    """The course changed between our read and our transaction."""


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


def owned_course(creator_id: str, product_id: str) -> Product:
    product = catalog.get_owned(creator_id, product_id)
    if product.product_type != "course":
        raise InvalidInput("only course products have modules, lessons and quizzes")
    if product.status == "archived":
        raise Conflict("archived courses cannot be edited")
    return product


# --- the write protocol --------------------------------------------------------------------------

Plan = Callable[[TransactWrite], None]


def apply_change(product_id: str, build: Callable[[Outline], tuple[list[Plan], Any]]) -> Any:
    """Read the outline, let `build` validate and plan writes, commit them under the course lock."""
    for _ in range(RETRIES):
        outline = load_outline(product_id)
        plans, result = build(outline)
        try:
            with transaction() as tx:
                _lock(tx, product_id, outline)
                for plan in plans:
                    plan(tx)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        refresh_stats(product_id)
        return result
    raise Conflict("the course changed meanwhile; reload and retry")


def _lock(tx: TransactWrite, product_id: str, outline: Outline) -> None:
    if outline.root is None:
        tx.save(CourseRoot(product_id, ROOT_SK, content_version=1), condition=CourseItem.sk.does_not_exist())
    else:
        tx.update(CourseRoot(product_id, ROOT_SK), actions=[CourseRoot.content_version.add(1)],
                  condition=CourseRoot.content_version == outline.content_version)


def lost_race(error: TransactWriteError) -> bool:
    codes = cancellation_codes(error)
    return ("ConditionalCheckFailed" in codes or "TransactionConflict" in codes
            or error.cause_response_code == "TransactionConflictException")


def refresh_stats(product_id: str) -> dict[str, Any]:
    outline = load_outline(product_id)
    stats = course_stats(outline)
    catalog.update_course_stats(product_id, stats, content_version=outline.content_version,
                                lesson_ids={lesson.lesson_id for lesson in outline.lessons})
    return stats


def _save(item: CourseItem) -> Plan:
    return lambda tx: tx.save(item)


def _delete(item: CourseItem) -> Plan:
    return lambda tx: tx.delete(item)


def _set_position(item: CourseItem, position: int, **extra: Any) -> Plan:
    actions = [type(item).position.set(position)]
    actions += [getattr(type(item), name).set(value) for name, value in extra.items()]
    return lambda tx: tx.update(item, actions=actions)


def _densify(siblings: list[Any], removed_id: str, id_attr: str) -> list[Plan]:
    """Close the gap a removed child leaves, so positions stay 0..n-1."""
    remaining = [s for s in siblings if getattr(s, id_attr) != removed_id]
    return [_set_position(s, i) for i, s in enumerate(remaining) if s.position != i]


def _require(found: Any, what: str) -> Any:
    if found is None:
        raise NotFound(f"{what} not found")
    return found


def _check_room(count: int, what: str) -> None:
    if count >= MAX_CHILDREN:
        raise InvalidInput(f"a {what} holds at most {MAX_CHILDREN} items")


def _check_order(requested: list[str], current: list[str]) -> None:
    if len(requested) != len(set(requested)) or set(requested) != set(current):
        raise Conflict("the order must list exactly the current children, each once",
                       [{"loc": ["body"], "msg": "current children", "type": "stale", "current": current}])


def _reorder(children: list[Any], ids: list[str], id_attr: str) -> tuple[list[Plan], list[Any]]:
    """Plans that give `children` the order of `ids` (which must list exactly them), and the new order."""
    _check_order(ids, [getattr(child, id_attr) for child in children])
    by_id = {getattr(child, id_attr): child for child in children}
    plans = [_set_position(by_id[cid], i) for i, cid in enumerate(ids) if by_id[cid].position != i]
    for i, cid in enumerate(ids):
        by_id[cid].position = i
    return plans, [by_id[cid] for cid in ids]


def _update_node(creator_id: str, product_id: str, find: Callable[[Outline], Any], what: str,
                 fields: dict[str, Any]) -> Any:
    """Set plain fields on one outline node (a module or a quiz) under the course lock."""
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        node = _require(find(outline), what)
        for name, value in fields.items():
            setattr(node, name, value)
        return [_save(node)], node

    return apply_change(product_id, build)


# --- modules ---------------------------------------------------------------------------------------


def add_module(creator_id: str, product_id: str, fields: dict[str, Any]) -> ModuleNode:
    owned_course(creator_id, product_id)
    module_id = new_id("mod")

    def build(outline: Outline):
        _check_room(len(outline.modules), "course")
        module = ModuleNode(product_id, module_sk(module_id), module_id=module_id,
                            position=len(outline.modules), **fields)
        return [_save(module)], module

    return apply_change(product_id, build)


def update_module(creator_id: str, product_id: str, module_id: str, fields: dict[str, Any]) -> ModuleNode:
    return _update_node(creator_id, product_id, lambda outline: outline.module(module_id), "module", fields)


def delete_module(creator_id: str, product_id: str, module_id: str) -> None:
    """Children go first (in batches: a module can exceed one transaction), then the module itself
    under the lock; a crash in between leaves a smaller module, never an orphan."""
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        module = _require(outline.module(module_id), "module")
        lessons = outline.lessons_of(module_id)
        lesson_ids = {lesson.lesson_id for lesson in lessons}
        quizzes = [q for q in outline.quizzes if q.module_id == module_id or q.lesson_id in lesson_ids]
        _delete_in_batches(product_id, lessons, quizzes)
        return [_delete(module), *_densify(outline.modules, module_id, "module_id")], None

    apply_change(product_id, build)


def _delete_in_batches(product_id: str, lessons: list[LessonNode], quizzes: list[QuizNode]) -> None:
    with CourseItem.batch_write() as batch:
        for lesson in lessons:
            batch.delete(CourseItem(product_id, body_sk(lesson.lesson_id)))
            batch.delete(lesson)
        for quiz in quizzes:
            for question in load_questions(product_id, quiz.quiz_id):
                batch.delete(question)
            batch.delete(quiz)


def reorder_modules(creator_id: str, product_id: str, module_ids: list[str]) -> list[ModuleNode]:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        return _reorder(outline.modules, module_ids, "module_id")

    return apply_change(product_id, build)


# --- lessons ---------------------------------------------------------------------------------------


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "lesson"


def _unique_slug(outline: Outline, wanted: str | None, title: str, lesson_id: str | None = None) -> str:
    taken = {lesson.slug for lesson in outline.lessons if lesson.lesson_id != lesson_id}
    if wanted:
        if wanted in taken:
            raise Conflict(f"lesson slug '{wanted}' is already used in this course")
        return wanted
    base, n = slugify(title), 2
    slug = base
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_lesson(fields: dict[str, Any]) -> dict[str, Any]:
    """Embeds only on `video_embed` lessons (normalized), which must have one."""
    if fields.get("video_url"):
        fields["video_url"] = normalize_embed_url(fields["video_url"])
    content_type = fields.get("content_type")
    if fields.get("video_url") and content_type != "video_embed":
        raise InvalidInput("video_url is only for video_embed lessons")
    if content_type == "video_embed" and not fields.get("video_url"):
        raise InvalidInput("a video_embed lesson needs a video_url")
    if fields.get("video_asset_id") and content_type != "video":
        raise InvalidInput("video_asset_id is only for video lessons")
    return fields


def _video_fields(creator_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A `video_asset_id` being set must name the creator's own ready video (404 / 422); its duration is copied
    onto the lesson (stats and outlines then need no asset reads). Clearing it clears the duration."""
    if "video_asset_id" not in fields:
        return fields
    asset_id = fields["video_asset_id"]
    seconds = videos.duration_seconds(videos.attachable(creator_id, asset_id)) if asset_id else None
    return {**fields, "video_duration_seconds": seconds}


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {k: v for k, v in fields.items() if k in LESSON_BODY_FIELDS}
    node = {k: v for k, v in fields.items() if k not in LESSON_BODY_FIELDS}
    return node, body


def add_lesson(creator_id: str, product_id: str, module_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    owned_course(creator_id, product_id)
    lesson_id = new_id("les")
    node_fields, body_fields = _split(_video_fields(creator_id, _check_lesson(dict(fields))))

    def build(outline: Outline):
        _require(outline.module(module_id), "module")
        siblings = outline.lessons_of(module_id)
        _check_room(len(siblings), "module")
        slug = _unique_slug(outline, node_fields.pop("slug", None), node_fields["title"])
        lesson = LessonNode(product_id, lesson_sk(lesson_id), lesson_id=lesson_id, module_id=module_id,
                            position=len(siblings), slug=slug, **node_fields)
        body = LessonBody(product_id, body_sk(lesson_id), lesson_id=lesson_id, **body_fields)
        return [_save(lesson), _save(body)], (lesson, body)

    return lesson_view(*apply_change(product_id, build))


def update_lesson(creator_id: str, product_id: str, lesson_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    owned_course(creator_id, product_id)
    fields = _video_fields(creator_id, fields)

    def build(outline: Outline):
        lesson = _require(outline.lesson(lesson_id), "lesson")
        merged = {"content_type": lesson.content_type, "video_url": lesson.video_url,
                  "video_asset_id": lesson.video_asset_id, **fields}
        _check_lesson(merged)
        node_fields, body_fields = _split({k: merged[k] for k in [*fields, "video_url"] if k in merged})
        if "slug" in node_fields or "title" in node_fields:
            wanted = node_fields.pop("slug", None) or lesson.slug
            node_fields["slug"] = _unique_slug(outline, wanted, lesson.title, lesson_id)
        for name, value in node_fields.items():
            setattr(lesson, name, value)
        plans = [_save(lesson)]
        body = load_body(product_id, lesson_id) or LessonBody(product_id, body_sk(lesson_id), lesson_id=lesson_id)
        if body_fields:
            for name, value in body_fields.items():
                setattr(body, name, value)
            plans.append(_save(body))
        return plans, (lesson, body)

    return lesson_view(*apply_change(product_id, build))


def attach_video(creator_id: str, product_id: str, lesson_id: str, video_id: str) -> bool:
    """Make a lesson play a ready video (`content_type=video`, its duration, no embed URL): what an upload named
    for the lesson does once ready. True when written; False when the lesson already shows it or a newer upload
    (ids sort by creation), which an older upload finishing late must not replace. 404 / 409 / 422 as any edit."""
    owned_course(creator_id, product_id)
    seconds = videos.duration_seconds(videos.attachable(creator_id, video_id))

    def shows_it_or_newer(lesson: LessonNode) -> bool:
        return lesson.content_type == "video" and (lesson.video_asset_id or "") >= video_id

    if shows_it_or_newer(_require(load_outline(product_id).lesson(lesson_id), "lesson")):
        return False  # checked before taking the lock: a repeated call writes nothing

    def build(outline: Outline):
        lesson = _require(outline.lesson(lesson_id), "lesson")
        if shows_it_or_newer(lesson):
            return [], False
        lesson.content_type, lesson.video_url = "video", None
        lesson.video_asset_id, lesson.video_duration_seconds = video_id, seconds
        return [_save(lesson)], True

    return apply_change(product_id, build)


def delete_lesson(creator_id: str, product_id: str, lesson_id: str) -> None:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        lesson = _require(outline.lesson(lesson_id), "lesson")
        inline = [q for q in outline.quizzes if q.lesson_id == lesson_id]
        _delete_in_batches(product_id, [], inline)
        siblings = outline.lessons_of(lesson.module_id)
        plans = [_delete(lesson), _delete(CourseItem(product_id, body_sk(lesson_id)))]
        return plans + _densify(siblings, lesson_id, "lesson_id"), None

    apply_change(product_id, build)


def reorder_lessons(creator_id: str, product_id: str, module_id: str, lesson_ids: list[str]) -> list[LessonNode]:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        _require(outline.module(module_id), "module")
        return _reorder(outline.lessons_of(module_id), lesson_ids, "lesson_id")

    return apply_change(product_id, build)


def move_lesson(creator_id: str, product_id: str, lesson_id: str, target_module_id: str,
                position: int | None) -> LessonNode:
    """Move a lesson to another module (or another place in its own), keeping both orders dense."""
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        lesson = _require(outline.lesson(lesson_id), "lesson")
        _require(outline.module(target_module_id), "module")
        source = [s for s in outline.lessons_of(lesson.module_id) if s.lesson_id != lesson_id]
        target = source if target_module_id == lesson.module_id else outline.lessons_of(target_module_id)
        _check_room(len(target), "module")
        index = len(target) if position is None else position
        if not 0 <= index <= len(target):
            raise InvalidInput(f"position must be between 0 and {len(target)}")
        new_target = [*target[:index], lesson, *target[index:]]
        plans = [_set_position(lesson, index, module_id=target_module_id)]
        plans += [_set_position(s, i) for i, s in enumerate(new_target) if s is not lesson and s.position != i]
        if target is not source:
            plans += [_set_position(s, i) for i, s in enumerate(source) if s.position != i]
        lesson.module_id, lesson.position = target_module_id, index
        return plans, lesson

    return apply_change(product_id, build)


def lesson_view(lesson: LessonNode, body: LessonBody | None) -> dict[str, Any]:
    data = {name: getattr(lesson, name) for name in LessonNode.get_attributes() if name not in ("sk", "kind")}
    data["content"] = body.content if body else ""
    data["key_takeaways"] = list(body.key_takeaways) if body else []
    return data


# --- quizzes and questions -----------------------------------------------------------------------


def _quiz_siblings(outline: Outline, quiz: QuizNode) -> list[QuizNode]:
    if quiz.scope == "inline":
        return [q for q in outline.quizzes if q.scope == "inline" and q.lesson_id == quiz.lesson_id]
    return outline.quizzes_of(quiz.scope, quiz.module_id if quiz.scope == "module" else None)


def add_quiz(creator_id: str, product_id: str, fields: dict[str, Any]) -> QuizNode:
    owned_course(creator_id, product_id)
    quiz_id = new_id("qz")

    def build(outline: Outline):
        scope = fields["scope"]
        placed = dict(fields)
        if scope == "module":
            _require(outline.module(fields.get("module_id") or ""), "module")
            placed["lesson_id"] = None
        elif scope == "inline":
            host = _require(outline.lesson(fields.get("lesson_id") or ""), "lesson")
            placed["module_id"] = host.module_id
        else:
            placed["module_id"] = placed["lesson_id"] = None
        quiz = QuizNode(product_id, quiz_sk(quiz_id), quiz_id=quiz_id, position=0, **placed)
        siblings = _quiz_siblings(outline, quiz)
        _check_room(len(siblings), "quiz list")
        quiz.position = len(siblings)
        return [_save(quiz)], quiz

    return apply_change(product_id, build)


def update_quiz(creator_id: str, product_id: str, quiz_id: str, fields: dict[str, Any]) -> QuizNode:
    return _update_node(creator_id, product_id, lambda outline: outline.quiz(quiz_id), "quiz", fields)


def delete_quiz(creator_id: str, product_id: str, quiz_id: str) -> None:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        quiz = _require(outline.quiz(quiz_id), "quiz")
        siblings = _quiz_siblings(outline, quiz)
        with CourseItem.batch_write() as batch:  # questions first: a quiz may exceed one transaction
            for question in load_questions(product_id, quiz_id):
                batch.delete(question)
        return [_delete(quiz), *_densify(siblings, quiz_id, "quiz_id")], None

    apply_change(product_id, build)


def get_quiz_for_owner(creator_id: str, product_id: str, quiz_id: str) -> tuple[QuizNode, list[QuestionNode]]:
    owned_course(creator_id, product_id)
    quiz = _require(load_outline(product_id).quiz(quiz_id), "quiz")
    return quiz, load_questions(product_id, quiz_id)


def check_question(fields: dict[str, Any]) -> dict[str, Any]:
    """A question is a real question: enough options, correct answers that exist, one for single-answer types."""
    kind, options, correct = fields["question_type"], list(fields.get("options") or []), list(fields["correct"])
    if kind == "true_false":
        options = ["True", "False"]
    problems = []
    if len(options) < 2:
        problems.append("at least two options are needed")
    if len(set(options)) != len(options):
        problems.append("options must differ")
    if any(not 0 <= index < len(options) for index in correct) or len(set(correct)) != len(correct):
        problems.append("correct answers must be distinct indexes into options")
    if kind in ("multiple_choice", "true_false") and len(correct) != 1:
        problems.append(f"a {kind} question has exactly one correct answer")
    if kind == "multi_select" and not correct:
        problems.append("a multi_select question has at least one correct answer")
    if problems:
        raise InvalidInput("invalid question", [{"loc": ["body"], "msg": p, "type": "rule"} for p in problems])
    return {**fields, "options": options, "correct": sorted(correct)}


def add_question(creator_id: str, product_id: str, quiz_id: str, fields: dict[str, Any]) -> QuestionNode:
    owned_course(creator_id, product_id)
    fields = check_question(fields)
    question_id = new_id("qq")

    def build(outline: Outline):
        quiz = _require(outline.quiz(quiz_id), "quiz")
        _check_room(int(quiz.question_count), "quiz")
        question = QuestionNode(product_id, question_sk(quiz_id, question_id), quiz_id=quiz_id,
                                question_id=question_id, position=int(quiz.question_count), **fields)
        quiz.question_count = int(quiz.question_count) + 1
        return [_save(question), _save(quiz)], question

    return apply_change(product_id, build)


def update_question(creator_id: str, product_id: str, quiz_id: str, question_id: str,
                    fields: dict[str, Any]) -> QuestionNode:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        _require(outline.quiz(quiz_id), "quiz")
        question = _require(next((q for q in load_questions(product_id, quiz_id)
                                  if q.question_id == question_id), None), "question")
        current = {"question_type": question.question_type, "options": list(question.options),
                   "correct": [int(c) for c in question.correct]}
        for name, value in check_question({**current, **fields}).items():
            setattr(question, name, value)
        for name in ("prompt", "explanation"):
            if name in fields:
                setattr(question, name, fields[name])
        return [_save(question)], question

    return apply_change(product_id, build)


def delete_question(creator_id: str, product_id: str, quiz_id: str, question_id: str) -> None:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        quiz = _require(outline.quiz(quiz_id), "quiz")
        questions = load_questions(product_id, quiz_id)
        question = _require(next((q for q in questions if q.question_id == question_id), None), "question")
        quiz.question_count = len(questions) - 1
        return [_delete(question), _save(quiz), *_densify(questions, question_id, "question_id")], None

    apply_change(product_id, build)


def reorder_questions(creator_id: str, product_id: str, quiz_id: str, question_ids: list[str]) -> list[QuestionNode]:
    owned_course(creator_id, product_id)

    def build(outline: Outline):
        _require(outline.quiz(quiz_id), "quiz")
        return _reorder(load_questions(product_id, quiz_id), question_ids, "question_id")

    return apply_change(product_id, build)
