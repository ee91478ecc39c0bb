"""Access grants: who may use a product, and the grant writes commerce adds to its own transactions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.models import AccessGrant, Enrollment
from chalicelib.models.base import utcnow
from chalicelib.services.core.db import CONDITION_FAILED, cancellation_codes, transaction

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

ACCESS_TYPES = ("purchased", "gifted", "promotional")  # a free checkout is a purchase at 0


def full_access_reason(user_id: str | None, product: dict[str, Any]) -> str | None:
    """`owner`, the active grant's type (purchased | gifted | promotional), or None: one read at most."""
    if user_id is None:
        return None
    if product["creator_id"] == user_id:
        return "owner"
    try:
        grant = AccessGrant.get(user_id, product["product_id"])
    except DoesNotExist:
        return None
    return grant.access_type if grant.status == "active" else None


def access_map(user_id: str | None, products: list[dict[str, Any]]) -> dict[str, bool]:
    """Access for a page of products in one BatchGetItem (never one call per card)."""
    if user_id is None:
        return {}
    result = {p["product_id"]: True for p in products if p["creator_id"] == user_id}
    keys = [(user_id, p["product_id"]) for p in products if p["product_id"] not in result]
    if keys:
        for grant in AccessGrant.batch_get(keys):
            result[grant.product_id] = grant.status == "active"
    return result


def grant(user_id: str, product: dict[str, Any], access_type: str) -> tuple[AccessGrant, bool]:
    """Give access once (and, for a course, the enrollment with it): `(grant, created)`.

    A repeated grant for the same user and product changes nothing and returns the existing grant.
    """
    if access_type not in ACCESS_TYPES:
        raise ValueError(f"unknown access type {access_type}")
    now = utcnow()
    record = AccessGrant(user_id, product["product_id"], creator_id=product["creator_id"], access_type=access_type,
                         granted_at=now, last_activity_at=now)
    try:
        with transaction() as tx:
            tx.save(record, condition=AccessGrant.product_id.does_not_exist())
            if product["product_type"] == "course":
                tx.update(Enrollment(user_id, product["product_id"]), actions=[
                    Enrollment.access_type.set(access_type),
                    Enrollment.enrolled_at.set(Enrollment.enrolled_at | now),
                    Enrollment.last_activity_at.set(Enrollment.last_activity_at | now),
                ])
    except TransactWriteError as exc:  # item 0 is the grant: PynamoDB sends puts before updates
        if cancellation_codes(exc)[:1] != [CONDITION_FAILED]:
            raise
        return AccessGrant.get(user_id, product["product_id"], consistent_read=True), False
    return record, True


# --- grant status changes (commerce: refunds and disputes) ------------------------------------------
# These add their writes to the caller's transaction, so the change of access commits together with the
# order's change and the processed-event marker (exactly once). Enrollments, progress and certificates are
# never touched: a learner whose access returns finds everything where they left it.

GRANT_STATUSES = ("active", "suspended", "revoked")


def add_grant(tx: TransactWrite, user_id: str, product: dict[str, Any], access_type: str, now: datetime) -> None:
    """Upsert an active grant (and a course's enrollment) inside `tx`. Callers guarantee once-only (an order
    paid under a condition); an existing grant, e.g. one revoked by an earlier refund, becomes active again."""
    tx.update(AccessGrant(user_id, product["product_id"]), actions=[
        AccessGrant.creator_id.set(product["creator_id"]),
        AccessGrant.access_type.set(access_type),
        AccessGrant.status.set("active"),
        AccessGrant.granted_at.set(now),
        AccessGrant.last_activity_at.set(AccessGrant.last_activity_at | now),
    ])
    if product["product_type"] == "course":
        tx.update(Enrollment(user_id, product["product_id"]), actions=[
            Enrollment.access_type.set(access_type),
            Enrollment.enrolled_at.set(Enrollment.enrolled_at | now),
            Enrollment.last_activity_at.set(Enrollment.last_activity_at | now),
        ])


def current_grant(user_id: str, product_id: str) -> AccessGrant | None:
    try:
        return AccessGrant.get(user_id, product_id, consistent_read=True)
    except DoesNotExist:
        return None


def set_grant_status(tx: TransactWrite, grant: AccessGrant, status: str) -> None:
    """Change a grant's status inside `tx`, conditioned on the status it was read with (a concurrent
    change cancels the transaction and the caller re-reads)."""
    if status not in GRANT_STATUSES:
        raise ValueError(f"unknown grant status {status}")
    tx.update(grant, actions=[AccessGrant.status.set(status)], condition=AccessGrant.status == grant.status)


def revoke(tx: TransactWrite, grant: AccessGrant) -> None:
    set_grant_status(tx, grant, "revoked")


def suspend(tx: TransactWrite, grant: AccessGrant) -> None:
    set_grant_status(tx, grant, "suspended")


def restore(tx: TransactWrite, grant: AccessGrant) -> None:
    set_grant_status(tx, grant, "active")
