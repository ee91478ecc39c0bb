"""Quizzes (module, course or inline in a lesson) and their questions, with the rules a question must meet."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput
from chalicelib.models.course import CourseItem, QuestionNode, QuizNode, question_sk, quiz_sk
from chalicelib.services.core.ids import new_id
from chalicelib.services.courses import store
from chalicelib.services.courses.outline import Outline


def _siblings(outline: Outline, quiz: QuizNode) -> list[QuizNode]:
    if quiz.scope == "inline":
        return outline.inline_quizzes(quiz.lesson_id)
    return outline.quizzes_of(quiz.scope, quiz.module_id if quiz.scope == "module" else None)


def add_quiz(creator_id: str, product_id: str, fields: dict[str, Any]) -> QuizNode:
    store.owned_course(creator_id, product_id)
    quiz_id = new_id("qz")

    def build(outline: Outline):
        scope = fields["scope"]
        placed = dict(fields)
        if scope == "module":
            store.require(outline.module(fields.get("module_id") or ""), "module")
            placed["lesson_id"] = None
        elif scope == "inline":
            host = store.require(outline.lesson(fields.get("lesson_id") or ""), "lesson")
            placed["module_id"] = host.module_id
        else:
            placed["module_id"] = placed["lesson_id"] = None
        quiz = QuizNode(product_id, quiz_sk(quiz_id), quiz_id=quiz_id, position=0, **placed)
        siblings = _siblings(outline, quiz)
        store.check_room(len(siblings), "quiz list")
        quiz.position = len(siblings)
        return [store.plan_save(quiz)], quiz

    return store.apply_change(product_id, build)


def update_quiz(creator_id: str, product_id: str, quiz_id: str, fields: dict[str, Any]) -> QuizNode:
    return store.update_node(creator_id, product_id, lambda outline: outline.quiz(quiz_id), "quiz", fields)


def delete_quiz(creator_id: str, product_id: str, quiz_id: str) -> None:
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        quiz = store.require(outline.quiz(quiz_id), "quiz")
        siblings = _siblings(outline, quiz)
        with CourseItem.batch_write() as batch:  # questions first: a quiz may exceed one transaction
            for question in store.load_questions(product_id, quiz_id):
                batch.delete(question)
        return [store.plan_delete(quiz), *store.densify(siblings, quiz_id, "quiz_id")], None

    store.apply_change(product_id, build)


def get_quiz_for_owner(creator_id: str, product_id: str, quiz_id: str) -> tuple[QuizNode, list[QuestionNode]]:
    store.owned_course(creator_id, product_id)
    quiz = store.require(store.load_outline(product_id).quiz(quiz_id), "quiz")
    return quiz, store.load_questions(product_id, quiz_id)


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
    store.owned_course(creator_id, product_id)
    fields = check_question(fields)
    question_id = new_id("qq")

    def build(outline: Outline):
        quiz = store.require(outline.quiz(quiz_id), "quiz")
        store.check_room(int(quiz.question_count), "quiz")
        question = QuestionNode(product_id, question_sk(quiz_id, question_id), quiz_id=quiz_id,
                                question_id=question_id, position=int(quiz.question_count), **fields)
        quiz.question_count = int(quiz.question_count) + 1
        return [store.plan_save(question), store.plan_save(quiz)], question

    return store.apply_change(product_id, build)


def _question(product_id: str, quiz_id: str, question_id: str) -> tuple[QuestionNode, list[QuestionNode]]:
    questions = store.load_questions(product_id, quiz_id)
    found = next((q for q in questions if q.question_id == question_id), None)
    return store.require(found, "question"), questions


def update_question(creator_id: str, product_id: str, quiz_id: str, question_id: str,
                    fields: dict[str, Any]) -> QuestionNode:
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        store.require(outline.quiz(quiz_id), "quiz")
        question, _ = _question(product_id, quiz_id, question_id)
        current = {"question_type": question.question_type, "options": list(question.options),
                   "correct": [int(c) for c in question.correct]}
        for name, value in check_question({**current, **fields}).items():
            setattr(question, name, value)
        for name in ("prompt", "explanation"):
            if name in fields:
                setattr(question, name, fields[name])
        return [store.plan_save(question)], question

    return store.apply_change(product_id, build)


def delete_question(creator_id: str, product_id: str, quiz_id: str, question_id: str) -> None:
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        quiz = store.require(outline.quiz(quiz_id), "quiz")
        question, questions = _question(product_id, quiz_id, question_id)
        quiz.question_count = len(questions) - 1
        return [store.plan_delete(question), store.plan_save(quiz),
                *store.densify(questions, question_id, "question_id")], None

    store.apply_change(product_id, build)


def reorder_questions(creator_id: str, product_id: str, quiz_id: str, question_ids: list[str]) -> list[QuestionNode]:
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        store.require(outline.quiz(quiz_id), "quiz")
        return store.reorder(store.load_questions(product_id, quiz_id), question_ids, "question_id")

    return store.apply_change(product_id, build)
