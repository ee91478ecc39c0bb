"""Legacy course import: a validated `{"course": {"modules": [...]}}` document → modules and lessons.

Why it is shaped like this:
- Everything is checked and planned before the first write (`plan_import` is pure), so bad input
  writes nothing.
- A document can exceed one 100-item transaction, so lessons and their bodies are batch-written first,
  and then ONE transaction puts every module (≤ MAX_CHILDREN) and commits the ROOT: `content_version`
  +1 and the document's hash added to `import_hashes`, conditioned on the version we read. A lesson
  whose module does not exist is in neither the outline tree nor the stats, so until that commit the
  import is invisible, and after it the whole course appears at once.
- Ids are derived from (product, document hash, indexes), so a re-run after a crash overwrites the
  same items instead of duplicating them, and a re-run after success finds its hash and answers
  `is_already_imported` with the same ids.
- Import only fills an empty course (no modules, no quizzes): anything else is a 409, unless it is
  this very document again, which answers `is_already_imported` (the ids it created, even if the author
  has edited the course since).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import Conflict, InvalidInput
from chalicelib.models.course import CourseItem, LessonBody, LessonNode, ModuleNode, body_sk, lesson_sk, module_sk
from chalicelib.schemas.course_import import CourseImport
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction
from chalicelib.services.courses.embeds import is_youtube, normalize_embed_url
from chalicelib.services.courses.outline import Outline
from chalicelib.services.courses.store import (
    MAX_CHILDREN,
    RETRIES,
    RETRY_DELAY,
    course_changed,
    load_outline,
    lock,
    owned_course,
    refresh_stats,
)

FREE_LESSONS_IN_FIRST_MODULE = 2


@dataclass
class ImportPlan:
    """Every item the document becomes, built and checked before anything is written."""

    product_id: str
    import_hash: str
    modules: list[ModuleNode] = field(default_factory=list)
    lessons: list[LessonNode] = field(default_factory=list)
    bodies: list[LessonBody] = field(default_factory=list)

    def add_module(self, m: int, module: dict[str, Any]) -> str:
        """Module `m` (0-based): `Module N` if untitled; the first one is a free preview."""
        module_id = derived_id("mod", self.product_id, self.import_hash, m)
        self.modules.append(ModuleNode(self.product_id, module_sk(module_id), module_id=module_id, position=m,
                                       title=module.get("title") or f"Module {m + 1}",
                                       description=module.get("description", ""), is_free_preview=m == 0))
        return module_id

    def add_lesson(self, module_id: str, m: int, n: int, lesson: dict[str, Any], video_url: str | None) -> None:
        """Lesson `n` of module `m`: `Lesson N` if untitled, slug `lesson-M-N`; free if among the first
        module's first two; a video embed when it has a (normalized) video URL, text otherwise."""
        lesson_id = derived_id("les", self.product_id, self.import_hash, m, n)
        self.lessons.append(LessonNode(
            self.product_id, lesson_sk(lesson_id), lesson_id=lesson_id, module_id=module_id, position=n,
            title=lesson.get("title") or f"Lesson {n + 1}", slug=f"lesson-{m + 1}-{n + 1}",
            content_type="video_embed" if video_url else "text", video_url=video_url,
            is_free_preview=m == 0 and n < FREE_LESSONS_IN_FIRST_MODULE))
        self.bodies.append(LessonBody(self.product_id, body_sk(lesson_id), lesson_id=lesson_id,
                                      content=lesson.get("content", ""),
                                      key_takeaways=list(lesson.get("key_takeaways", []))))

    def result(self, already_imported: bool) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "import_hash": self.import_hash,
            "is_already_imported": already_imported,
            "module_count": len(self.modules),
            "lesson_count": len(self.lessons),
            "modules": [{"module_id": m.module_id, "title": m.title,
                         "lesson_ids": [lesson.lesson_id for lesson in self.lessons
                                        if lesson.module_id == m.module_id]}
                        for m in self.modules],
        }


def document_hash(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace): key order and layout don't matter."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def derived_id(prefix: str, product_id: str, import_hash: str, *indexes: int) -> str:
    """The same product, document and position always give the same id (re-runs overwrite, never add)."""
    seed = ":".join([product_id, import_hash, *map(str, indexes)])
    return f"{prefix}_{hashlib.sha256(seed.encode()).hexdigest()[:23]}"


def validate_document(data: Any) -> dict[str, Any]:
    """A document that did not come through the endpoint (the CLI) checked with the endpoint's own schema: the
    plain document, or 422 naming each problem's path as the endpoint would."""
    if not isinstance(data, dict):
        raise InvalidInput("the course document must be a JSON object",
                           [{"loc": ["body"], "msg": "must be a JSON object", "type": "type_error"}])
    try:
        return CourseImport.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise InvalidInput("the course document does not match the import schema",
                           [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                            for e in exc.errors(include_url=False)]) from None


def _problem(loc: list[Any], msg: str) -> dict[str, Any]:
    return {"loc": ["body", "course", *loc], "msg": msg, "type": "rule"}


def _embed(url: str | None, loc: list[Any], problems: list[dict[str, Any]]) -> str | None:
    """The normalized embed URL of a YouTube `video_url`. Anything else is a problem at its path, not a
    text lesson: dropping a video silently would lose content the author meant buyers to see."""
    if not url:
        return None
    if is_youtube(url):
        try:
            return normalize_embed_url(url)
        except InvalidInput:
            pass  # a YouTube address without a valid video id
    problems.append(_problem(loc, "video_url must be an https YouTube video URL"))
    return None


def plan_import(product_id: str, document: dict[str, Any]) -> ImportPlan:
    """Turn a document validated by `schemas.course_import.CourseImport` into items; 422 on any problem."""
    plan = ImportPlan(product_id, document_hash(document))
    problems: list[dict[str, Any]] = []
    modules = document["course"]["modules"]
    _check_room(modules, ["modules"], "course", problems)
    for m, module in enumerate(modules):
        module_id = plan.add_module(m, module)
        lessons = module.get("lessons", [])
        _check_room(lessons, ["modules", m, "lessons"], "module", problems)
        for n, lesson in enumerate(lessons):
            video_url = _embed(lesson.get("video_url"), ["modules", m, "lessons", n, "video_url"], problems)
            plan.add_lesson(module_id, m, n, lesson, video_url)
    if problems:
        raise InvalidInput("the course document breaks an import rule", problems)
    return plan


def _check_room(children: list[Any], loc: list[Any], parent: str, problems: list[dict[str, Any]]) -> None:
    if len(children) > MAX_CHILDREN:
        problems.append(_problem(loc, f"a {parent} holds at most {MAX_CHILDREN} items"))


def import_course(creator_id: str, product_id: str, document: dict[str, Any]) -> dict[str, Any]:
    """Import into an empty course owned by `creator_id`; idempotent for the same document."""
    owned_course(creator_id, product_id)
    plan = plan_import(product_id, document)
    already_imported = _store(plan)
    refresh_stats(product_id)  # on a re-run too: heals a crash between the commit and this refresh
    return plan.result(already_imported)


def _store(plan: ImportPlan) -> bool:
    """Write the plan unless this document is already there; True if it was."""
    outline = load_outline(plan.product_id)
    if _already_imported(outline, plan):
        return True
    with CourseItem.batch_write() as batch:  # invisible until their modules are committed below
        for item in [*plan.bodies, *plan.lessons]:
            batch.save(item)
    for _ in retry_on_conflict(RETRIES, RETRY_DELAY, course_changed):
        if _commit(plan, outline):
            return False
        outline = load_outline(plan.product_id)
        if _already_imported(outline, plan):  # the same document won a concurrent run
            return True


def _already_imported(outline: Outline, plan: ImportPlan) -> bool:
    """True if this document was imported; 409 if the course holds anything else."""
    if outline.root is not None and plan.import_hash in (outline.root.import_hashes or set()):
        return True
    if outline.modules or outline.quizzes:
        raise Conflict("import only fills an empty course; this one already has content")
    return False


def _commit(plan: ImportPlan, outline: Outline) -> bool:
    """Put the modules and bump the ROOT in one transaction on the version we read; False on a lost race."""
    try:
        with transaction() as tx:
            lock(tx, plan.product_id, outline, plan.import_hash)
            for module in plan.modules:
                tx.save(module)
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        return False
    return True
