"""Grading and progress arithmetic are pure functions: no emulator needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.errors import InvalidInput
from chalicelib.models import Enrollment
from chalicelib.models.course import QuestionNode
from chalicelib.services.learning.certificates import course_complete
from chalicelib.services.learning.enrollments import progress_summary
from chalicelib.services.learning.quizzes import grade


def question(qid: str, kind: str, correct: list[int], options=("a", "b", "c", "d")) -> QuestionNode:
    return QuestionNode("prd_x", f"B#Q#qz_x#{qid}", quiz_id="qz_x", question_id=qid, question_type=kind,
                        prompt=f"prompt {qid}", options=list(options), correct=correct, explanation=f"why {qid}",
                        position=0)


MC = question("mc", "multiple_choice", [2])
TF = question("tf", "true_false", [1], options=("True", "False"))
MS = question("ms", "multi_select", [0, 3])


@pytest.mark.parametrize("chosen, right", [([2], True), ([1], False), ([2, 2], True), ([], False)])
def test_multiple_choice_needs_exactly_the_right_index(chosen, right):
    assert grade([MC], {"mc": chosen}, 100).results[0]["is_correct"] is right


@pytest.mark.parametrize("chosen, right", [([1], True), ([0], False)])
def test_true_false(chosen, right):
    assert grade([TF], {"tf": chosen}, 100).results[0]["is_correct"] is right


@pytest.mark.parametrize("answers, kind", [({"mc": [2, 1]}, "too_many_answers"), ({"tf": [0, 1]}, "too_many_answers"),
                                           ({"mc": [4]}, "option_out_of_range"), ({"tf": [2]}, "option_out_of_range"),
                                           ({"ms": [0, 7]}, "option_out_of_range")])
def test_answers_no_learner_could_give_are_refused_naming_the_question(answers, kind):
    with pytest.raises(InvalidInput) as refused:
        grade([MC, TF, MS], answers, 100)
    [qid] = answers
    assert refused.value.details == [{"loc": ["body", "answers", qid], "msg": refused.value.details[0]["msg"],
                                      "type": kind}]


@pytest.mark.parametrize("chosen, right", [([0, 3], True), ([3, 0], True), ([0], False), ([0, 3, 1], False),
                                           ([1, 2], False), ([], False)])
def test_multi_select_needs_the_exact_set(chosen, right):
    assert grade([MS], {"ms": chosen}, 100).results[0]["is_correct"] is right


def test_score_percentage_and_results_carry_answers_and_explanations():
    graded = grade([MC, TF, MS], {"mc": [2], "tf": [0]}, passing_score_percent=34)
    assert (graded.score, graded.max_score, graded.score_percent, graded.is_passed) == (1, 3, 33, False)
    assert [r["correct_answers"] for r in graded.results] == [[2], [1], [0, 3]]
    assert [r["explanation"] for r in graded.results] == ["why mc", "why tf", "why ms"]
    assert graded.results[2]["selected"] == []  # unanswered counts as wrong


def test_passing_compares_exactly_not_the_rounded_percentage():
    two_of_three = {"mc": [2], "tf": [1]}
    assert grade([MC, TF, MS], two_of_three, passing_score_percent=66).is_passed is True
    assert grade([MC, TF, MS], two_of_three, passing_score_percent=67).is_passed is False  # 66.67 % < 67 %
    assert grade([MC, TF, MS], two_of_three, passing_score_percent=66).score_percent == 66
    assert grade([MC], {}, passing_score_percent=0).is_passed is True


def test_answers_to_unknown_questions_are_refused():
    with pytest.raises(InvalidInput) as error:
        grade([MC], {"mc": [2], "zz": [0]}, 50)
    assert error.value.details[0]["loc"] == ["body", "answers", "zz"]


def enrollment(completed=(), passed=(), completed_at=None) -> Enrollment:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    return Enrollment("u", "prd_x", access_type="purchased", enrolled_at=now, last_activity_at=now,
                      completed_lesson_ids=set(completed) or None, passed_quiz_ids=set(passed) or None,
                      completed_at=completed_at)


def test_progress_counts_completed_lessons_that_still_exist():
    summary = progress_summary(enrollment(completed={"l1", "l2", "gone"}), {"l1", "l2", "l3"})
    assert (summary["lessons_completed"], summary["total_lessons"], summary["progress_percent"]) == (2, 3, 66)
    assert progress_summary(enrollment(), set())["progress_percent"] == 0
    assert progress_summary(enrollment(completed={"l1"}), {"l1"})["progress_percent"] == 100


def test_completion_needs_every_lesson_and_every_final_quiz():
    lessons, finals = {"l1", "l2"}, {"q1"}
    assert not course_complete(enrollment(completed={"l1"}, passed={"q1"}), lessons, finals)
    assert not course_complete(enrollment(completed=lessons), lessons, finals)
    assert course_complete(enrollment(completed=lessons, passed={"q1", "q0"}), lessons, finals)
    assert course_complete(enrollment(completed=lessons), lessons, set())
    assert not course_complete(enrollment(), set(), set())  # an empty course is never complete
