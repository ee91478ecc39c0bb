"""A course's modules: add, rename, delete (with everything in them), reorder."""

from __future__ import annotations

from typing import Any

from chalicelib.models.course import ModuleNode, module_sk
from chalicelib.services.core.ids import new_id
from chalicelib.services.courses import store
from chalicelib.services.courses.outline import Outline


def add_module(creator_id: str, product_id: str, fields: dict[str, Any]) -> ModuleNode:
    store.owned_course(creator_id, product_id)
    module_id = new_id("mod")

    def build(outline: Outline):
        store.check_room(len(outline.modules), "course")
        module = ModuleNode(product_id, module_sk(module_id), module_id=module_id,
                            position=len(outline.modules), **fields)
        return [store.plan_save(module)], module

    return store.apply_change(product_id, build)


def update_module(creator_id: str, product_id: str, module_id: str, fields: dict[str, Any]) -> ModuleNode:
    return store.update_node(creator_id, product_id, lambda outline: outline.module(module_id), "module", fields)


def delete_module(creator_id: str, product_id: str, module_id: str) -> None:
    """Children go first (in batches: a module can exceed one transaction), then the module itself
    under the lock; a crash in between leaves a smaller module, never an orphan."""
    product = store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        module = store.require(outline.module(module_id), "module")
        lessons = outline.lessons_of(module_id)
        lesson_ids = {lesson.lesson_id for lesson in lessons}
        store.keep_a_lesson(product, outline, lesson_ids)
        quizzes = [q for q in outline.quizzes if q.module_id == module_id or q.lesson_id in lesson_ids]
        store.delete_in_batches(product_id, lessons, quizzes)
        return [store.plan_delete(module), *store.densify(outline.modules, module_id, "module_id")], None

    store.apply_change(product_id, build)


def reorder_modules(creator_id: str, product_id: str, module_ids: list[str]) -> list[ModuleNode]:
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        return store.reorder(outline.modules, module_ids, "module_id")

    return store.apply_change(product_id, build)
