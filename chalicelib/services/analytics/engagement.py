"""Course engagement counters: written in the transaction of each progress report and quiz attempt, read for the
creator in course order (one Query of the course's counters, whatever the number of learners)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.models import EngagementCounter

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


def lesson_deltas(was_started: bool, was_completed: bool, watched_before: int, is_completed: bool | None,
                  position_seconds: int | None) -> dict[str, int]:
    """What one progress report adds to its lesson's counters, from the learner's row as read before it."""
    watched = max(watched_before, int(position_seconds or 0))
    completed = 0 if is_completed is None or is_completed == was_completed else (1 if is_completed else -1)
    return {"started": int(not was_started), "completed": completed,
            "video_learners": int(watched_before == 0 and watched > 0),
            "video_watched_seconds": watched - watched_before}


def add_lesson(tx: TransactWrite, product_id: str, lesson_id: str, deltas: dict[str, int]) -> None:
    moves = [getattr(EngagementCounter, name).add(value) for name, value in deltas.items() if value]
    if moves:
        tx.update(EngagementCounter(product_id, f"L#{lesson_id}"), actions=moves)


def add_answers(tx: TransactWrite, product_id: str, quiz_id: str, results: list[dict[str, Any]]) -> None:
    """One attempt's answers: each question answered once, correct or not."""
    for result in results:
        actions = [EngagementCounter.answered.add(1)]
        if result["is_correct"]:
            actions.append(EngagementCounter.correct.add(1))
        tx.update(EngagementCounter(product_id, f"Q#{quiz_id}#{result['question_id']}"), actions=actions)


def _percent(part: int, whole: int) -> int:
    return 100 * part // whole if whole else 0


def report(product_id: str, lesson_ids: list[str], quiz_ids: list[str]) -> dict[str, Any]:
    """Per lesson (in course order): started, completed, the drop-off to the next lesson (completed this one but
    never started the next, in percent of those who completed it), video learners and their average furthest
    position; per answered question (quizzes in `quiz_ids` order): answers and the percent answered correctly."""
    rows = {row.item: row for row in EngagementCounter.query(product_id)}
    quiz_order = {quiz_id: index for index, quiz_id in enumerate(quiz_ids)}
    question_ids = sorted(((quiz, question) for _, quiz, question in
                           (item.split("#", 2) for item in rows if item.startswith("Q#")) if quiz in quiz_order),
                          key=lambda pair: (quiz_order[pair[0]], pair[1]))

    def figure(item: str, name: str) -> int:
        row = rows.get(item)
        return int(getattr(row, name) or 0) if row else 0

    lessons = []
    for index, lesson_id in enumerate(lesson_ids):
        key = f"L#{lesson_id}"
        completed, viewers = figure(key, "completed"), figure(key, "video_learners")
        following = lesson_ids[index + 1] if index + 1 < len(lesson_ids) else None
        drop = max(0, completed - figure(f"L#{following}", "started")) if following else 0
        lessons.append({"lesson_id": lesson_id, "started": figure(key, "started"), "completed": completed,
                        "drop_off_percent": _percent(drop, completed) if following else None,
                        "video_learners": viewers,
                        "average_watched_seconds": figure(key, "video_watched_seconds") // viewers if viewers else 0})
    questions = [{"quiz_id": quiz_id, "question_id": question_id,
                  "answered": figure(f"Q#{quiz_id}#{question_id}", "answered"),
                  "correct_percent": _percent(figure(f"Q#{quiz_id}#{question_id}", "correct"),
                                              figure(f"Q#{quiz_id}#{question_id}", "answered"))}
                 for quiz_id, question_id in question_ids]
    return {"product_id": product_id, "lessons": lessons, "questions": questions}
