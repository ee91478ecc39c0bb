"""Completion and certificates: recorded once, under `attribute_not_exists(completed_at)` in the same transaction
as the certificate put (and the learner's completion email, `accounts.emails`), so concurrent "last lesson" writes
issue exactly one certificate and one email; verification is public."""

from __future__ import annotations

import secrets

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.errors import NotFound
from chalicelib.models import Certificate, Enrollment, User
from chalicelib.models.base import utcnow
from chalicelib.services.accounts import emails, users
from chalicelib.services.learning import certificate_pdf, enrollments
from chalicelib.services.learning.enrollments import lesson_ids_of
from chalicelib.services.learning.rules import Course


def course_complete(enrollment: Enrollment, lesson_ids: set[str], final_quiz_ids: set[str]) -> bool:
    """Every current lesson completed and every final (course-scope) quiz passed; an empty course never is."""
    if not lesson_ids and not final_quiz_ids:
        return False
    return (lesson_ids <= set(enrollment.completed_lesson_ids or ())
            and final_quiz_ids <= set(enrollment.passed_quiz_ids or ()))


def complete_if_done(user_id: str, course: Course, learner_name: str | None) -> Enrollment:
    """The learner's enrollment after a write; on reaching completion, record it and issue the certificate
    exactly once (a concurrent completer's transaction fails its condition and changes nothing)."""
    enrollment = enrollments.find(user_id, course.product_id)
    if enrollment is None:
        raise enrollments.changed_meanwhile()
    finals = {quiz.quiz_id for quiz in course.outline.final_assessments()}
    if enrollment.completed_at is not None or not course_complete(enrollment, lesson_ids_of(course.product), finals):
        return enrollment
    now = utcnow()
    creator = users.get_creator_account(course.product.creator_id)
    certificate = Certificate(f"cert_{secrets.token_urlsafe(18)}", user_id=user_id,
                              learner_name=_learner_name(user_id, learner_name), product_id=course.product_id,
                              course_title=course.product.title, creator_id=course.product.creator_id,
                              creator_name=creator.display_name if creator else "", completed_at=now)

    def write(tx: TransactWrite) -> None:
        tx.update(Enrollment(user_id, course.product_id),
                  actions=[Enrollment.completed_at.set(now), Enrollment.certificate_id.set(certificate.certificate_id)],
                  condition=Enrollment.completed_at.does_not_exist())
        tx.save(certificate, condition=Certificate.certificate_id.does_not_exist())
        emails.queue(tx, f"completion:{certificate.certificate_id}", "completion", user_id, {
            "learner_name": certificate.learner_name, "course_title": certificate.course_title,
            "creator_name": certificate.creator_name or "its creator", "certificate_id": certificate.certificate_id,
            "certificate_url": emails.app_link(f"certificates/{certificate.certificate_id}")})

    if not enrollments.commit(write):  # refused: someone else completed it first, and theirs is the certificate
        certificate_pdf.store_quietly(certificate.certificate_id)
        emails.deliver_quietly(f"completion:{certificate.certificate_id}")
    return Enrollment.get(user_id, course.product_id, consistent_read=True)


def _learner_name(user_id: str, given: str | None) -> str:
    """The name the learner chose (`PATCH /v1/me`) wins over the identity provider's, then "Learner"."""
    try:
        chosen = User.get(user_id).display_name
    except DoesNotExist:
        chosen = None
    return chosen or given or "Learner"


def certificate(certificate_id: str) -> Certificate:
    """Public verification by the unguessable id; anything else is simply not found."""
    if not certificate_id.startswith("cert_") or len(certificate_id) > 64:
        raise NotFound("certificate not found")
    try:
        return Certificate.get(certificate_id)
    except DoesNotExist:
        raise NotFound("certificate not found") from None
