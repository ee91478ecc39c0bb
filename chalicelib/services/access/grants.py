"""Access grants: who may use a product, from which sources, and the writes commerce adds to its transactions."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.errors import Conflict
from chalicelib.models import AccessGrant, Enrollment
from chalicelib.models.access import HOLDER_SHARDS, ProductHolders
from chalicelib.models.base import utcnow
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

ACCESS_TYPES = ("purchased", "gifted", "promotional")  # a free checkout is a purchase at 0
SOURCE_STATUSES = ("active", "suspended", "revoked")
CLAIM = "claim"  # the source of a free claim (a free product, pay-what-you-want at 0)
BUNDLE_PREFIX = "bundle:"  # a bundle member's sources: `bundle:<bundle_id>/<the bundle's own source>`
_ATTEMPTS = 8


def order_source(order_id: str) -> str:
    return f"order:{order_id}"


def bundle_source(bundle_id: str, source: str) -> str:
    """A bundle member's source for the bundle's own `source` (`bundle:<bundle_id>/order:<id>`, `…/claim`)."""
    return f"{BUNDLE_PREFIX}{bundle_id}/{source}"


def via_bundle(grant: AccessGrant) -> str | None:
    """The bundle an active grant holds its product through (None: none of its active sources is a bundle's)."""
    for source, status in sources_of(grant).items():
        if status == "active" and source.startswith(BUNDLE_PREFIX):
            return source[len(BUNDLE_PREFIX):].split("/", 1)[0]
    return None


def source_type(source: str) -> str:
    """The access type a source gives: orders, claims and bundles are purchases; gifts and promotions name
    themselves."""
    return source if source in ("gifted", "promotional") else "purchased"


def combined(sources: dict[str, str], access_type: str = "preview") -> tuple[str, str]:
    """`(status, access_type)` of a grant from its sources: active while any source is active (the best such
    source's type: purchased > gifted > promotional), else suspended while any is suspended, else revoked;
    no source at all is a free-preview learner's row. `access_type` is kept when nothing is active."""
    for status in SOURCE_STATUSES:
        holding = [source_type(source) for source, value in sources.items() if value == status]
        if holding:
            best = min(holding, key=ACCESS_TYPES.index)
            return status, best if status == "active" else access_type
    return "preview", access_type


def sources_of(grant: AccessGrant | None) -> dict[str, str]:
    if grant is None:
        return {}
    if grant.sources is None:  # a row written before sources: its one source is its type
        return {} if grant.status == "preview" else {grant.access_type: grant.status}
    return {str(key): str(value) for key, value in grant.sources.as_dict().items()}


def full_access_reason(user_id: str | None, product: dict[str, Any]) -> str | None:
    """`owner`, the active grant's type (purchased | gifted | promotional), or None: one read at most."""
    if user_id is None:
        return None
    if product["creator_id"] == user_id:
        return "owner"
    grant = current_grant(user_id, product["product_id"], consistent=False)
    return grant.access_type if grant is not None and grant.status == "active" else None


def held_status(user_id: str, product_id: str) -> str | None:
    """The status of the caller's grant (None without one): checkout says when a purchase replaces lost access."""
    grant = current_grant(user_id, product_id)
    return grant.status if grant is not None else None


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


def holder_shard(user_id: str) -> int:
    return zlib.crc32(user_id.encode()) % HOLDER_SHARDS


def holder_count(product_id: str) -> int:
    """How many users hold active access to the product: one BatchGetItem of its count's shards."""
    rows = ProductHolders.batch_get([(product_id, shard) for shard in range(HOLDER_SHARDS)])
    return sum(int(row.holder_count or 0) for row in rows)


def current_grant(user_id: str, product_id: str, consistent: bool = True) -> AccessGrant | None:
    try:
        return AccessGrant.get(user_id, product_id, consistent_read=consistent)
    except DoesNotExist:
        return None


def grant(user_id: str, product: dict[str, Any], source: str,
          also: Callable[[TransactWrite], object] | None = None) -> tuple[AccessGrant, bool]:
    """Make `source` (a free claim, a gift, a promotion) an active source of the user's access, once, in its own
    transaction (with a course's enrollment, and `also`: the caller's outbox email): `(grant, created)`, created
    when the user had no access before. A repeat changes nothing; a holder through another source keeps it and
    gains this one."""
    for _ in retry_on_conflict(_ATTEMPTS, 0.005, _busy, max_delay=0.5):
        current = current_grant(user_id, product["product_id"])
        if sources_of(current).get(source) == "active":
            return current, False
        now = utcnow()
        try:
            with transaction() as tx:
                written = set_source(tx, current, user_id, product, source, "active", now)
                if also is not None:
                    also(tx)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        return written, current is None or current.status != "active"
    raise AssertionError("unreachable")  # pragma: no cover - retry_on_conflict raises when exhausted


def _busy() -> Conflict:
    return Conflict("too many simultaneous changes of this access; retry")


def set_source(tx: TransactWrite, current: AccessGrant | None, user_id: str, product: dict[str, Any],
               source: str, status: str, now: datetime) -> AccessGrant:
    """Set one source's status inside `tx`, conditioned on the grant as read (absent, or the same `version`): a
    concurrent change of any source cancels the transaction and the caller re-reads. The grant's status and type
    are derived from all its sources. A source seen for the first time also upserts a course's enrollment (kept
    whatever happens later: enrollments, progress and certificates are never removed). The grant as written."""
    if status not in SOURCE_STATUSES:
        raise ValueError(f"unknown source status {status}")
    sources = {**sources_of(current), source: status}
    state, access_type = combined(sources, current.access_type if current else source_type(source))
    product_id = product["product_id"]
    row = AccessGrant(user_id, product_id)
    actions = [AccessGrant.sources.set(sources), AccessGrant.status.set(state),
               AccessGrant.access_type.set(access_type), AccessGrant.version.add(1),
               AccessGrant.creator_id.set(product["creator_id"]),
               AccessGrant.last_activity_at.set(AccessGrant.last_activity_at | now)]
    if state == "active" and (current is None or current.status != "active"):
        actions.append(AccessGrant.granted_at.set(now))  # granted (again) now
    else:
        actions.append(AccessGrant.granted_at.set(AccessGrant.granted_at | now))
    if current is None:
        condition = AccessGrant.product_id.does_not_exist()
    elif current.version:
        condition = AccessGrant.version == int(current.version)
    else:
        condition = AccessGrant.version.does_not_exist() & AccessGrant.product_id.exists()
    tx.update(row, actions=actions, condition=condition)
    if (current is not None and current.status == "active") != (state == "active"):  # exact: guarded as above
        tx.update(ProductHolders(product_id, holder_shard(user_id)),
                  actions=[ProductHolders.holder_count.add(1 if state == "active" else -1)])
    if product["product_type"] == "course" and source not in sources_of(current):
        tx.update(Enrollment(user_id, product_id), actions=[
            Enrollment.access_type.set(access_type if state == "active" else source_type(source)),
            Enrollment.enrolled_at.set(Enrollment.enrolled_at | now),
            Enrollment.last_activity_at.set(Enrollment.last_activity_at | now),
        ])
    activated = state == "active" and (current is None or current.status != "active")
    return AccessGrant(user_id, product_id, creator_id=product["creator_id"], access_type=access_type, status=state,
                       sources=sources, version=int(current.version or 0) + 1 if current else 1,
                       granted_at=now if activated or current is None else current.granted_at,
                       last_activity_at=current.last_activity_at if current else now)


def preview_row(tx: TransactWrite, user_id: str, product_id: str, creator_id: str, now: datetime) -> None:
    """A free-preview learner's library row (no source), or the existing row with its activity bumped: an upsert
    that never changes a grant's status or sources."""
    tx.update(AccessGrant(user_id, product_id), actions=[
        AccessGrant.creator_id.set(AccessGrant.creator_id | creator_id),
        AccessGrant.access_type.set(AccessGrant.access_type | "preview"),
        AccessGrant.status.set(AccessGrant.status | "preview"),
        AccessGrant.granted_at.set(AccessGrant.granted_at | now),
        AccessGrant.last_activity_at.set(now),
    ])
