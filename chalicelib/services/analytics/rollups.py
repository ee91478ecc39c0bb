"""The roll-up write: deltas of one event added to the creator's and the product's day, in the caller's
transaction (protocol in the package docstring)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.models import DailyRollup

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

FIGURES = ("gross_cents", "refunded_cents", "dispute_lost_cents", "orders", "free_claims", "new_buyers", "disputes")


def day_key(day: str, currency: str) -> str:
    return f"{day}#{currency.upper()}"


def product_scope(creator_id: str, product_id: str) -> str:
    return f"{creator_id}#{product_id}"


def _buyer_marker(creator_id: str, buyer_id: str) -> DailyRollup:
    return DailyRollup(f"B#{creator_id}", buyer_id)


def is_new_buyer(creator_id: str, buyer_id: str) -> bool:
    """Has this buyer never paid this creator before? (One consistent GetItem; `add` guards it.)"""
    try:
        _buyer_marker(creator_id, buyer_id).refresh(consistent_read=True)
    except DoesNotExist:
        return True
    return False


def add(tx: TransactWrite, creator_id: str, product_id: str, currency: str, when: datetime,
        deltas: dict[str, int], new_buyer_id: str | None = None) -> None:
    """Add `deltas` (figure → amount, zeros dropped) to the day of `when`; `new_buyer_id`: count them as a new
    buyer, guarded by their marker (a concurrent first purchase makes this transaction fail: re-plan)."""
    unknown = set(deltas) - set(FIGURES)
    if unknown:
        raise ValueError(f"unknown figures {sorted(unknown)}")
    moves = {name: int(value) for name, value in deltas.items() if value}
    if new_buyer_id is not None:
        moves["new_buyers"] = 1
        tx.save(_buyer_marker(creator_id, new_buyer_id), condition=DailyRollup.scope.does_not_exist())
    if not moves:
        return
    key = day_key(when.date().isoformat(), currency)
    for scope in (creator_id, product_scope(creator_id, product_id)):
        tx.update(DailyRollup(scope, key), actions=[getattr(DailyRollup, name).add(value)
                                                    for name, value in moves.items()])


def free_claim(tx: TransactWrite, product: dict[str, Any], when: datetime) -> None:
    """A free claim of `product` (its stored state), by any path: checkout at 0 or a free enrollment."""
    add(tx, product["creator_id"], product["product_id"], product.get("currency") or "USD", when, {"free_claims": 1})
