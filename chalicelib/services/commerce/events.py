"""What a Stripe event's planner hands to `webhooks.handle`, and the readings of Stripe objects planners share.

Neither the dispatcher nor the planners (`order_events`, `credit_packs`) own it, so planners never import the
dispatcher and the dispatcher imports every planner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.observability import Metric, count


@dataclass
class Plan:
    """What one event does: `write` adds the state change to the transaction; `after` runs once committed."""

    outcome: str
    write: Callable[[TransactWrite], None] | None = None
    after: list[Callable[[], None]] = field(default_factory=list)
    then: Callable[[], None] | None = None  # like `after`, but a failure fails the delivery so Stripe retries it


Planner = Callable[[dict[str, Any]], Plan]


def decline_reason(intent: dict[str, Any]) -> str:
    """Why a payment failed, in Stripe's words (its error code or decline code)."""
    error = intent.get("last_payment_error") or {}
    return str(error.get("code") or error.get("decline_code") or "payment_failed")[:100]


def latest_charge_id(intent: dict[str, Any]) -> str | None:
    """The id of the intent's latest charge (a plain id, or the object when expanded, as localstripe sends it)."""
    charge = intent.get("latest_charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge
    return charge_id if isinstance(charge_id, str) else None


REFUND_OUTCOMES = ("refunded", "partially_refunded")  # a refund of a paid order (or credit pack) was counted


def count_committed(outcome: str, event_type: str = "") -> None:
    """The business metric of a payment event whose transaction committed: called once per event, never for a
    duplicate delivery (an order paid, a refund counted, a dispute opened)."""
    if event_type == "charge.dispute.created" and outcome != "ignored":
        count(Metric.DISPUTES)
    elif event_type == "payment_intent.succeeded" and outcome == "granted":
        count(Metric.ORDERS_PAID)
    elif outcome in REFUND_OUTCOMES:
        count(Metric.REFUNDS)
