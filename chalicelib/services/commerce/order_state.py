"""An order's status and its purchase's access, derived from everything recorded about the order.

Stripe delivers events in any order and more than once; each event only RECORDS its fact on the order (the payment
succeeded: `paid_at`; refunds: `refunded_cents`; a dispute: `dispute_status`, whose closed states are final), and the
status is then derived from all the facts together by the table in the package docstring (`commerce/__init__.py`),
so every order of arrival ends in the same state. The access is the status of the order's own source on the buyer's
grant (`access.grants`): the grant is active while any of its sources is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.services.payouts import statements

UNPAID = ("pending", "failed", "abandoned", "cancelled")
CLOSED_DISPUTES = ("won", "lost", "warning_closed")
ACCESS = {"paid": "active", "partially_refunded": "active", "disputed": "suspended", "refunded": "revoked",
          "dispute_lost": "revoked"}


@dataclass(frozen=True)
class Facts:
    """What is recorded about one order."""

    paid: bool
    unpaid_status: str  # pending | failed | abandoned | cancelled: where an order stands before its payment
    amount_cents: int
    refunded_cents: int = 0
    dispute_status: str | None = None

    @classmethod
    def of(cls, order: Any) -> Facts:
        return cls(paid=order.paid_at is not None,
                   unpaid_status=order.status if order.status in UNPAID else "pending",
                   amount_cents=int(order.amount_cents), refunded_cents=int(order.refunded_cents or 0),
                   dispute_status=order.dispute_status)

    def with_dispute(self, status: str) -> Facts:
        """A dispute's new status; a closed dispute stays closed (a late `created` never reopens it)."""
        return self if self.dispute_status in CLOSED_DISPUTES else replace(self, dispute_status=status)

    @property
    def fully_refunded(self) -> bool:
        return self.amount_cents > 0 and self.refunded_cents >= self.amount_cents

    @property
    def status(self) -> str:
        if not self.paid:
            return "refunded" if self.fully_refunded else self.unpaid_status
        if self.dispute_status == "lost":
            return "dispute_lost"
        if self.dispute_status is not None and self.dispute_status not in CLOSED_DISPUTES:
            return "disputed"
        if self.fully_refunded:
            return "refunded"
        return "partially_refunded" if self.refunded_cents > 0 else "paid"

    @property
    def access(self) -> str | None:
        """The status of the order's source of access (None: the order gives none, and never gave any)."""
        return ACCESS.get(self.status)


def rollup_deltas(before: Facts, after: Facts) -> dict[str, int]:
    """What recording `after` over `before` adds to the creator's analytics (`analytics.rollups`): the payment's
    amount and one order when it is first recorded, the refunds' growth, a dispute opened, a dispute lost (or,
    never in practice, un-lost)."""
    lost = int(after.status == "dispute_lost") - int(before.status == "dispute_lost")
    return {"gross_cents": after.amount_cents if after.paid and not before.paid else 0,
            "orders": int(after.paid and not before.paid),
            "refunded_cents": after.refunded_cents - before.refunded_cents,
            "disputes": int(before.dispute_status is None and after.dispute_status is not None),
            "dispute_lost_cents": lost * after.amount_cents}


def statement_position(order: Any, facts: Facts) -> dict[str, int]:
    """The order's position on its creator's statement (`payouts.statements`) once `facts` are recorded: the money a
    chargeback withdraws counts while it is open (an inquiry, `warning_*`, withdraws nothing) and once it is lost."""
    withdrawn = facts.status == "dispute_lost" or (
        facts.status == "disputed" and not str(facts.dispute_status).startswith("warning"))
    return statements.position(facts.amount_cents, int(order.platform_fee_cents or 0), facts.refunded_cents,
                               facts.paid, withdrawn)
