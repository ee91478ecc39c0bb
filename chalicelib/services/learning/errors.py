"""The learning domain's error codes, each with one status (a paid product's enroll answers the generic 402
`payment_required`)."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import Conflict, Forbidden, NotFound


class Locked(Forbidden):
    """Content that comes with the full course; the details say why (`reason`) and what (`<kind>_id`)."""

    kind = ""

    def __init__(self, product_id: str, item_id: str, reason: str) -> None:
        detail: dict[str, Any] = {"reason": reason, "product_id": product_id, f"{self.kind}_id": item_id}
        super().__init__(f"this {self.kind} is locked: it comes with the full course", [detail])


class LessonLocked(Locked):
    code, kind = "lesson_locked", "lesson"


class QuizLocked(Locked):
    code, kind = "quiz_locked", "quiz"


class AlreadyOwned(Conflict):
    code = "already_owned"


class NotEnrolled(NotFound):
    """The caller has no enrollment in the course (nothing to show progress for)."""

    code = "not_enrolled"


class OwnerCannotEnroll(Conflict):
    """A creator records no progress in their own course (they preview it); was `not_enrolled` with 409."""

    code = "owner_cannot_enroll"


class RetakeNotAllowed(Conflict):
    code = "retake_not_allowed"

