"""Enrollments (one per course learner) and the one write protocol every learner write goes through.

Progress counters are derived, not counted: `progress_summary` intersects the enrollment's completed-lesson SET with
the course's current lessons, so repeats, concurrent writes and later content edits never skew them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, InvalidInput, PaymentRequired
from chalicelib.models import AccessGrant, Enrollment, Product
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.accounts import emails, users
from chalicelib.services.analytics import rollups
from chalicelib.services.catalog import products
from chalicelib.services.core.db import (
    cancellation_codes,
    condition_failed,
    lost_race,
    put_once,
    retry_on_conflict,
    transaction,
)
from chalicelib.services.learning.errors import AlreadyOwned, OwnerCannotEnroll
from chalicelib.services.learning.rules import Course

CONFLICT_RETRIES = 8  # transactions on one enrollment conflict only under a burst from the same learner
CONFLICT_DELAY = 0.005  # seconds: the base of the jittered backoff between conflicts

Write = Callable[[TransactWrite], None]


def lesson_ids_of(product: Product) -> set[str]:
    return set(product.lesson_ids or ())


def progress_summary(enrollment: Enrollment, lesson_ids: Iterable[str]) -> dict[str, Any]:
    """The enrollment's counters against the course as it is now (`lesson_ids`: its current lessons)."""
    current = set(lesson_ids)
    done = set(enrollment.completed_lesson_ids or ()) & current
    return {
        "product_id": enrollment.product_id, "access_type": enrollment.access_type,
        "enrolled_at": enrollment.enrolled_at, "lessons_completed": len(done), "total_lessons": len(current),
        "progress_percent": 100 * len(done) // len(current) if current else 0,
        "total_time_spent_seconds": int(enrollment.total_time_spent_seconds or 0),
        "last_activity_at": enrollment.last_activity_at, "last_lesson_id": enrollment.last_lesson_id,
        "passed_quiz_ids": sorted(enrollment.passed_quiz_ids or ()),
        "is_completed": enrollment.completed_at is not None, "completed_at": enrollment.completed_at,
        "certificate_id": enrollment.certificate_id,
    }


def find(user_id: str, product_id: str) -> Enrollment | None:
    try:
        return Enrollment.get(user_id, product_id, consistent_read=True)
    except DoesNotExist:
        return None


def _create(user_id: str, product: Product, access_type: str) -> tuple[Enrollment, bool]:
    """Create once; a concurrent or earlier enrollment wins and is returned unchanged. A preview enrollment
    comes with its library row (`grants.preview_row`), in the same transaction."""
    now = utcnow()
    record = Enrollment(user_id, product.product_id, access_type=access_type, enrolled_at=now, last_activity_at=now)
    if access_type != "preview":
        if put_once(record, Enrollment.product_id):
            return record, True
    else:
        try:
            with transaction() as tx:
                tx.save(record, condition=Enrollment.product_id.does_not_exist())
                grants.preview_row(tx, user_id, product.product_id, product.creator_id, now)
            return record, True
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
    return Enrollment.get(user_id, product.product_id, consistent_read=True), False


def learner(user_id: str, course: Course) -> Enrollment:
    """The caller's enrollment, created on first use of content they may open: from their grant when the
    grant predates enrollments, else a `preview` enrollment (the caller checked the content is free)."""
    found = find(user_id, course.product_id)
    if found is not None:
        return found
    if course.full_access == "owner":
        raise OwnerCannotEnroll("creators do not record progress in their own course; use the preview")
    return _create(user_id, course.product, course.full_access or "preview")[0]


def enroll(user_id: str, ref: str) -> tuple[dict[str, Any], bool]:
    """The ways in without payment: `(enrollment view, created)`.

    A free product is claimed as a purchase at 0 (a grant, and for a course its enrollment). A paid course
    with free preview content gets a `preview` enrollment and no grant: progress on its free lessons is kept
    and carried over when the learner buys. Anything else is paid (402 `payment_required`: use checkout).
    `get_visible` already answered 404 for drafts and archived products the caller does not hold.
    """
    product, reason = products.get_visible(ref, user_id)
    if reason is not None:
        raise AlreadyOwned("you already have access to this product")
    if product.pricing_type == "free":
        state = products.state_of(product)
        _, created = grants.grant(user_id, state, grants.CLAIM, also=partial(_claimed, user_id=user_id, product=state))
        emails.deliver_quietly(f"claim:{user_id}:{product.product_id}")  # nothing when it was not queued
        access_type = "purchased"
    elif product.product_type == "course" and product.has_free_preview:
        _, created = _create(user_id, product, "preview")
        access_type = "preview"
    else:
        raise PaymentRequired("this product is paid: buy it through checkout")
    enrollment = find(user_id, product.product_id) if product.product_type == "course" else None
    return {"product_id": product.product_id, "product_type": product.product_type, "access_type": access_type,
            "enrollment": progress_summary(enrollment, lesson_ids_of(product)) if enrollment else None}, created


def _claimed(tx: TransactWrite, user_id: str, product: dict[str, Any]) -> None:
    """What a free enrollment's grant transaction also writes: the receipt and the creator's free-claim count."""
    emails.claim(tx, user_id, product)
    rollups.free_claim(tx, product, utcnow())


def give_access(creator_id: str, product_id: str, user_id: str, access_type: str) -> tuple[AccessGrant, bool]:
    """A creator gifts or promotes their own published product (idempotent: a holder keeps their grant)."""
    product = products.get_owned(creator_id, product_id)
    if user_id == creator_id:
        raise InvalidInput("you own this product already")
    if product.status != "published":
        raise Conflict("only published products can be granted")
    creator = users.get_creator_account(creator_id)
    state = products.state_of(product)
    written, created = grants.grant(user_id, state, access_type, also=partial(
        emails.gift, user_id=user_id, product=state, giver_name=creator.display_name if creator else "A creator"))
    emails.deliver_quietly(f"gift:{user_id}:{product_id}")
    return written, created


# --- the write protocol ----------------------------------------------------------------------------


def commit(write: Write) -> list[str | None]:
    """Run one transaction: `[]` when it committed, else each item's cancellation code.

    Cancelled for a conflict with another in-flight transaction, nothing was applied, so it is retried
    with jittered backoff (ADDs are never doubled); a failed condition is returned for the caller to judge.
    """
    for _ in retry_on_conflict(CONFLICT_RETRIES, CONFLICT_DELAY, _too_busy, max_delay=1.0):
        try:
            with transaction() as tx:
                write(tx)
            return []
        except TransactWriteError as exc:
            if condition_failed(exc):
                return cancellation_codes(exc)
            if not lost_race(exc):
                raise


def touch(tx: TransactWrite, user_id: str, course: Course, now: datetime, actions: list[Any]) -> None:
    """Apply `actions` to the enrollment and bump last activity on it and on the grant (library order).
    Both are conditioned on existing: an update must never create a grant or an enrollment."""
    tx.update(Enrollment(user_id, course.product_id), actions=[Enrollment.last_activity_at.set(now), *actions],
              condition=Enrollment.product_id.exists())
    if course.full_access in grants.ACCESS_TYPES:
        tx.update(AccessGrant(user_id, course.product_id), actions=[AccessGrant.last_activity_at.set(now)],
                  condition=AccessGrant.product_id.exists())
    elif course.full_access is None:  # a free-preview learner: their library row moves up (created if missing)
        grants.preview_row(tx, user_id, course.product_id, course.product.creator_id, now)


def changed_meanwhile() -> Conflict:
    return Conflict("your access or enrollment changed meanwhile; reload and retry")


def _too_busy() -> Conflict:
    return Conflict("too many simultaneous updates; retry")
