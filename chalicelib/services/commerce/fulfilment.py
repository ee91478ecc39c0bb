"""The access one purchase or claim gives, written inside the caller's transaction.

A product's own source (`order:<id>`, `claim`) goes on the buyer's grant of it; a bundle's also goes, as
`bundle:<bundle_id>/<source>`, on the grant of EVERY member, in the same transaction (course enrollments with
them, `access.grants.set_source`), so a bundle's refund or dispute moves only what the bundle gave and a member
bought separately keeps its own source. Where the buyer's access turns on or off, their reviews follow in the same
transaction (`reviews.visibility`). Reads: one BatchGetItem of the grants, one of the products that change, one of
the reviews whose visibility may change — whatever the bundle's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict
from chalicelib.models import AccessGrant, Product
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.accounts import emails
from chalicelib.services.analytics import rollups
from chalicelib.services.commerce import mails
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction
from chalicelib.services.reviews import visibility

_ATTEMPTS = 8
Write = Callable[[TransactWrite], None]


def plan(buyer_id: str, product_id: str, source: str, status: str, member_ids: Iterable[str] = ()) -> Write | None:
    """The write that sets `source` to `status` on the buyer's grant of the product (and the bundle's source on
    each member's), each conditioned on the grant as read; None when nothing changes."""
    wanted = {product_id: source, **{member: grants.bundle_source(product_id, source) for member in member_ids}}
    held = {g.product_id: g for g in AccessGrant.batch_get([(buyer_id, pid) for pid in wanted], consistent_read=True)}
    changing = [pid for pid, src in wanted.items() if grants.sources_of(held.get(pid)).get(src) != status]
    if not changing:
        return None
    states = {p.product_id: _grant_state(p) for p in Product.batch_get(changing)}  # deleted products drop out
    flips = {}
    for pid in states:
        was = held.get(pid) is not None and held[pid].status == "active"
        now_active = grants.combined({**grants.sources_of(held.get(pid)), wanted[pid]: status})[0] == "active"
        if was and not now_active:
            flips[pid] = False  # hide the buyer's review; its absence is checked too (a create racing the change)
        elif now_active and not was:
            flips[pid] = True  # restore a hidden review (none can be created while the access is not active)
    restore_or_hide = visibility.plan(buyer_id, flips) if flips else None
    now = utcnow()

    def write(tx: TransactWrite) -> None:
        for pid, state in states.items():
            grants.set_source(tx, held.get(pid), buyer_id, state, wanted[pid], status, now)
        if restore_or_hide is not None:
            restore_or_hide(tx)

    return write


def claim(buyer_id: str, product: dict[str, Any]) -> bool:
    """A free claim (a free product or bundle, pay-what-you-want at 0) in its own transaction, with its receipt
    when it gives access the buyer did not have (`accounts.emails.claim`); True then (False for a repeat)."""
    for _ in retry_on_conflict(_ATTEMPTS, 0.005, _busy, max_delay=0.5):
        before = grants.current_grant(buyer_id, product["product_id"])
        write = plan(buyer_id, product["product_id"], grants.CLAIM, "active", product.get("bundle_product_ids") or ())
        if write is None:
            return False
        gives_access = before is None or before.status != "active"
        members = mails.titles(product["product_id"], product.get("bundle_product_ids") or ())[1] \
            if gives_access else []
        try:
            with transaction() as tx:
                write(tx)
                mail_id = emails.claim(tx, buyer_id, product, members) if gives_access else None
                if gives_access:
                    rollups.free_claim(tx, product, utcnow())
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        if mail_id:
            emails.deliver_quietly(mail_id)
        return gives_access
    raise AssertionError("unreachable")  # pragma: no cover - retry_on_conflict raises when exhausted


def _busy() -> Conflict:
    return Conflict("too many simultaneous changes of this access; retry")


def _grant_state(product: Product) -> dict[str, Any]:
    return {"product_id": product.product_id, "creator_id": product.creator_id,
            "product_type": product.product_type}
