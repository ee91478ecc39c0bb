"""Property-based tests: random sequences of builder operations keep the course tree sound.

A hypothesis state machine drives the real services (the courses package over PynamoDB) against an
in-process moto account, one fresh account per example, next to a plain model of the expected order:
a list of module ids and, per module, a list of lesson ids. After every step the stored tree must
match the model exactly (dense positions 0..n-1 in every parent, same order, no lesson lost or
duplicated or left in a missing module) and the product's stats must agree. Reorders that do not list
exactly the current children must raise Conflict and change nothing, not even the content version.
Courses stay small on purpose: moto copies the table for every item of a transaction.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from moto import mock_aws

from chalicelib.errors import Conflict, InvalidInput
from chalicelib.models import Product
from chalicelib.schemas.course import LessonCreate, ModuleCreate
from chalicelib.services.accounts import users
from chalicelib.services.catalog import products as catalog
from chalicelib.services.courses import lessons, modules, store
from tests.support.emulator import install_tables

CREATOR = "prop-creator"
MAX_MODULES, MAX_LESSONS = 4, 8


class CourseBuilderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._aws = mock_aws()
        self._aws.start()
        install_tables()  # every table, empty (a copy of the first example's)
        users.open_creator_account(CREATOR, None, "Prop", None)
        self.product_id = catalog.create_product(CREATOR, {
            "product_type": "course", "title": "Property course", "pricing_type": "fixed", "price_cents": 100,
        }).product_id
        self.modules: list[str] = []
        self.lessons: dict[str, list[str]] = {}

    def teardown(self) -> None:
        self._aws.stop()

    # --- helpers ---------------------------------------------------------------------------------

    def lesson_count(self) -> int:
        return sum(len(ids) for ids in self.lessons.values())

    def placed_lessons(self) -> list[tuple[str, str]]:
        return [(mid, lid) for mid in self.modules for lid in self.lessons[mid]]

    def version(self) -> int:
        return store.load_outline(self.product_id).content_version

    def append_lesson(self, module_id: str) -> None:
        lesson = lessons.add_lesson(CREATOR, self.product_id, module_id, LessonCreate(title="L").model_dump())
        self.lessons[module_id].append(lesson["lesson_id"])

    def expect_conflict(self, operation, *args) -> None:
        before = self.version()
        with pytest.raises(Conflict):
            operation(CREATOR, self.product_id, *args)
        assert self.version() == before

    # --- rules -----------------------------------------------------------------------------------

    @initialize()
    def two_modules_one_lesson(self) -> None:
        """Start from a small course, so most rules are enabled from the first step."""
        self.add_module()
        self.add_module()
        self.append_lesson(self.modules[0])

    @precondition(lambda self: len(self.modules) < MAX_MODULES)
    @rule()
    def add_module(self) -> None:
        module = modules.add_module(CREATOR, self.product_id, ModuleCreate(title="M").model_dump())
        self.modules.append(module.module_id)
        self.lessons[module.module_id] = []

    @precondition(lambda self: self.modules and self.lesson_count() < MAX_LESSONS)
    @rule(data=st.data())
    def add_lesson(self, data: st.DataObject) -> None:
        self.append_lesson(data.draw(st.sampled_from(self.modules), label="module"))

    @precondition(lambda self: self.lesson_count() > 0)
    @rule(data=st.data())
    def delete_lesson(self, data: st.DataObject) -> None:
        module_id, lesson_id = data.draw(st.sampled_from(self.placed_lessons()), label="lesson")
        lessons.delete_lesson(CREATOR, self.product_id, lesson_id)
        self.lessons[module_id].remove(lesson_id)

    @precondition(lambda self: self.modules)
    @rule(data=st.data())
    def delete_module(self, data: st.DataObject) -> None:
        module_id = data.draw(st.sampled_from(self.modules), label="module")
        modules.delete_module(CREATOR, self.product_id, module_id)
        self.modules.remove(module_id)
        del self.lessons[module_id]

    @precondition(lambda self: self.modules)
    @rule(data=st.data())
    def reorder_modules(self, data: st.DataObject) -> None:
        order = data.draw(st.permutations(self.modules), label="order")
        returned = modules.reorder_modules(CREATOR, self.product_id, order)
        assert [m.module_id for m in returned] == order
        self.modules = list(order)

    @precondition(lambda self: self.modules)
    @rule(data=st.data())
    def reorder_lessons(self, data: st.DataObject) -> None:
        module_id = data.draw(st.sampled_from(self.modules), label="module")
        order = data.draw(st.permutations(self.lessons[module_id]), label="order")
        returned = lessons.reorder_lessons(CREATOR, self.product_id, module_id, order)
        assert [lesson["lesson_id"] for lesson in returned] == order
        self.lessons[module_id] = list(order)

    @precondition(lambda self: self.lesson_count() > 0)
    @rule(data=st.data())
    def move_lesson(self, data: st.DataObject) -> None:
        source, lesson_id = data.draw(st.sampled_from(self.placed_lessons()), label="lesson")
        target = data.draw(st.sampled_from(self.modules), label="target")
        remaining = [lid for lid in self.lessons[target] if lid != lesson_id]
        position = data.draw(st.none() | st.integers(0, len(remaining)), label="position")
        moved = lessons.move_lesson(CREATOR, self.product_id, lesson_id, target, position)
        self.lessons[source].remove(lesson_id)
        index = len(remaining) if position is None else position
        self.lessons[target] = [*remaining[:index], lesson_id, *remaining[index:]]
        assert (moved.module_id, moved.position) == (target, index)

    @precondition(lambda self: self.lesson_count() > 0)
    @rule(data=st.data())
    def move_lesson_out_of_range(self, data: st.DataObject) -> None:
        _, lesson_id = data.draw(st.sampled_from(self.placed_lessons()), label="lesson")
        target = data.draw(st.sampled_from(self.modules), label="target")
        too_far = len([lid for lid in self.lessons[target] if lid != lesson_id]) + 1
        before = self.version()
        with pytest.raises(InvalidInput):
            lessons.move_lesson(CREATOR, self.product_id, lesson_id, target, too_far)
        assert self.version() == before

    @rule(data=st.data())
    def reorder_modules_stale(self, data: st.DataObject) -> None:
        self.expect_conflict(modules.reorder_modules, data.draw(not_an_order(self.modules), label="order"))

    @precondition(lambda self: self.modules)
    @rule(data=st.data())
    def reorder_lessons_stale(self, data: st.DataObject) -> None:
        module_id = data.draw(st.sampled_from(self.modules), label="module")
        order = data.draw(not_an_order(self.lessons[module_id]), label="order")
        self.expect_conflict(lessons.reorder_lessons, module_id, order)

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def tree_matches_the_model(self) -> None:
        outline = store.load_outline(self.product_id)
        assert [m.module_id for m in outline.modules] == self.modules
        assert [int(m.position) for m in outline.modules] == list(range(len(self.modules)))
        stored_ids = [lesson.lesson_id for lesson in outline.lessons]
        assert len(stored_ids) == len(set(stored_ids)) == self.lesson_count()
        assert {lesson.module_id for lesson in outline.lessons} <= set(self.modules)
        for module_id in self.modules:
            siblings = outline.lessons_of(module_id)
            assert [lesson.lesson_id for lesson in siblings] == self.lessons[module_id]
            assert [int(lesson.position) for lesson in siblings] == list(range(len(siblings)))

    @invariant()
    def stats_match_the_model(self) -> None:
        product = Product.get(self.product_id, consistent_read=True)
        assert (int(product.total_modules), int(product.total_lessons)) == (len(self.modules), self.lesson_count())


def not_an_order(current: list[str]) -> st.SearchStrategy[list[str]]:
    """Lists that are not a permutation of `current`: one missing, a stranger added, or one repeated."""
    options = [st.just([*current, "mod_stranger"])]
    if current:
        options.append(st.integers(0, len(current) - 1).map(lambda i: current[:i] + current[i + 1:]))
        options.append(st.integers(0, len(current) - 1).map(lambda i: [*current, current[i]]))
    return st.one_of(options)


CourseBuilderMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestCourseBuilder = CourseBuilderMachine.TestCase
