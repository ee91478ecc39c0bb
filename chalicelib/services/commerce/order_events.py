"""Stripe events about orders → the order's change and its grant's, planned from what was read.

Each planner reads the order (by the metadata's order id, else the intent's `by_payment_intent` row), decides,
and describes the write: the order update is conditioned on the status it was read with, so a concurrent change
cancels the transaction and `webhooks.handle` re-plans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict
from chalicelib.models import Order
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.accounts import emails
from chalicelib.services.analytics import rollups
from chalicelib.services.commerce import coupons, fulfilment, mails
from chalicelib.services.commerce.events import Plan, Planner, count_committed, decline_reason, latest_charge_id
from chalicelib.services.commerce.order_state import Facts, rollup_deltas, statement_position
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction
from chalicelib.services.payouts import fees, statements

_ATTEMPTS = 6


def _order_for_intent(intent_id: str | None, metadata: dict[str, Any] | None = None) -> Order | None:
    order_id = (metadata or {}).get("order_id")
    if order_id:
        try:
            order = Order.get(order_id, consistent_read=True)
        except DoesNotExist:
            return None
        return order if order.payment_intent_id in (None, intent_id) else None
    if not intent_id:
        return None
    for key in Order.by_payment_intent.query(intent_id, limit=1):
        return Order.get(key.order_id, consistent_read=True)
    return None


def _guarded(tx: TransactWrite, order: Order, actions: list[Any]) -> None:
    """Update `order` only if its status is still the one we decided on."""
    tx.update(order, actions=[*actions, Order.updated_at.set(utcnow())], condition=Order.status == order.status)


def _coupon(action: Callable[[str, str, str], None], order: Order) -> Callable[[], None]:
    return lambda: action(order.coupon_code, order.buyer_id, order.order_id)


# --- planners: read, record the fact, derive the status and the access (`order_state`), describe the write -------


def _transition(order: Order, facts: Facts, actions: list[Any], outcome: str,
                guard: Callable[[TransactWrite, Order, list[Any]], None] | None = None) -> Plan:
    """The write of one recorded fact: the order's derived status with `actions`, guarded on what was read, and the
    order's own source of access on the buyer's grant when its status changes — for a bundle on every member's
    grant too, with the buyer's reviews following (`fulfilment.plan`, conditioned on what it read) — in the
    caller's transaction."""
    status = facts.status
    actions = [*actions, Order.status.set(status)]
    if status != "pending":
        actions.append(Order.pending_shard.remove())
    access = facts.access
    grant_write = fulfilment.plan(order.buyer_id, order.product_id, grants.order_source(order.order_id), access,
                                  order.bundle_product_ids or ()) if access else None
    deltas = rollup_deltas(Facts.of(order), facts)
    money = statement_position(order, Facts.of(order)), statement_position(order, facts)
    new_buyer = order.buyer_id if deltas["orders"] and rollups.is_new_buyer(order.creator_id, order.buyer_id) \
        else None
    now = utcnow()

    def write(tx: TransactWrite) -> None:
        (guard or _guarded)(tx, order, actions)
        if grant_write is not None:
            grant_write(tx)
        rollups.add(tx, order.creator_id, order.product_id, order.currency, now, deltas, new_buyer)
        statements.add(tx, order.creator_id, order.currency, now, *money)

    return Plan(outcome, write)


def _payment_succeeded(intent: dict[str, Any]) -> Plan:
    order = _order_for_intent(intent.get("id"), intent.get("metadata"))
    if order is None or order.paid_at is not None:
        return Plan("ignored")
    actions = [Order.paid_at.set(utcnow()), Order.payment_intent_id.set(intent["id"])]
    charge_id = latest_charge_id(intent)
    if charge_id:
        actions.append(Order.charge_id.set(charge_id))
    facts = replace(Facts.of(order), paid=True)
    granted = facts.access == "active"
    outcome = "granted" if granted else f"recorded_after_{'refund' if facts.status == 'refunded' else 'dispute'}"
    plan = _transition(order, facts, actions, outcome)
    plan.after = [_coupon(coupons.confirm, order)] if order.coupon_code else []
    if granted:  # the receipt, the creator's new sale (email + notification): in the same transaction
        title, members = mails.titles(order.product_id, order.bundle_product_ids or ())
        write, now = plan.write, utcnow()

        def with_mail(tx: TransactWrite) -> None:
            write(tx)
            mails.purchase(tx, order, title, members, now)

        plan.write = with_mail
        plan.then = lambda: emails.deliver(*mails.purchase_ids(order.order_id))
    return plan


def _payment_failed(intent: dict[str, Any]) -> Plan:
    order = _order_for_intent(intent.get("id"), intent.get("metadata"))
    if order is None or order.status not in ("pending", "abandoned"):
        return Plan("ignored")
    reason = decline_reason(intent)

    def write(tx: TransactWrite) -> None:
        _guarded(tx, order, [Order.status.set("failed"), Order.failure_reason.set(reason),
                             Order.pending_shard.remove()])

    return Plan("failed", write, [_coupon(coupons.release, order)] if order.coupon_code else [])


def _charge_refunded(charge: dict[str, Any]) -> Plan:
    order = _order_for_intent(charge.get("payment_intent"), charge.get("metadata"))
    if order is None:
        return Plan("ignored")
    charge_id = charge["id"] if isinstance(charge.get("id"), str) else None
    return refund_plan(order, _listed_refunds(charge), int(charge.get("amount_refunded") or 0), charge_id)


def _listed_refunds(charge: dict[str, Any]) -> dict[str, int]:
    """The charge's refunds (when the event carries them) that moved money: Stripe refund id → amount."""
    refunds = charge.get("refunds")
    items = refunds.get("data") if isinstance(refunds, dict) else refunds
    return {r["id"]: int(r.get("amount") or 0) for r in items or []
            if isinstance(r, dict) and isinstance(r.get("id"), str) and r.get("status") not in ("failed", "canceled")}


def refund_plan(order: Order, refunds: dict[str, int], amount_refunded: int = 0, charge_id: str | None = None) -> Plan:
    """Record refunds on the order, each Stripe refund exactly once: the approval's answer and the later
    `charge.refunded` (its refunds list, else its cumulative `amount_refunded`) in either order.

    Refunds named by id are added to `refund_ids` and their sum to `refund_ids_cents`, under the condition that the
    set is still the one read (a refund counted once is never counted again); `refunded_cents` is the larger of that
    sum and Stripe's cumulative total, so an event without a list and an approval of the same refund never add up.
    A full refund revokes the purchased grant; a partial one keeps it.
    """
    counted = set(order.refund_ids or ())
    new = {rid: amount for rid, amount in refunds.items() if rid not in counted}
    by_ids = int(order.refund_ids_cents or 0) + sum(new.values())
    amount = int(order.amount_cents)
    refunded = min(max(int(order.refunded_cents or 0), by_ids, amount_refunded), amount)
    if not new and refunded <= int(order.refunded_cents or 0):
        return Plan("ignored")  # counted already, or an older, smaller refund total arriving late
    actions = [Order.refunded_cents.set(refunded),
               Order.refunded_fee_cents.set(fees.refunded_fee(int(order.platform_fee_cents or 0), amount, refunded))]
    if new:
        actions += [Order.refund_ids.add(set(new)), Order.refund_ids_cents.set(by_ids)]
    if charge_id:
        actions.append(Order.charge_id.set(charge_id))
    facts = replace(Facts.of(order), refunded_cents=refunded)
    outcome = ("refunded" if facts.fully_refunded else "partially_refunded") if facts.paid else "refund_recorded"
    return _transition(order, facts, actions, outcome, guard=_refund_guarded)


def _refund_guarded(tx: TransactWrite, order: Order, actions: list[Any]) -> None:
    """Like `_guarded`, and only if the counted refunds and the total are still the ones read."""
    condition = (Order.status == order.status) & (Order.refunded_cents == int(order.refunded_cents or 0))
    if order.refund_ids:
        condition &= Order.refund_ids_cents == int(order.refund_ids_cents)
    else:
        condition &= Order.refund_ids.does_not_exist()
    tx.update(order, actions=[*actions, Order.updated_at.set(utcnow())], condition=condition)


def record_refund(order_id: str, refund_id: str, amount_cents: int) -> str:
    """Record one Stripe refund that succeeded (the approval's answer) on its order at once, exactly once with the
    `charge.refunded` event about it (whichever comes first counts it; see `refund_plan`). The outcome."""
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, too_contended, max_delay=0.64):
        try:
            order = Order.get(order_id, consistent_read=True)
        except DoesNotExist:
            return "ignored"
        plan = refund_plan(order, {refund_id: amount_cents})
        if plan.write is None:
            return plan.outcome
        try:
            with transaction() as tx:
                plan.write(tx)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        count_committed(plan.outcome)
        return plan.outcome
    raise AssertionError("unreachable")  # pragma: no cover - retry_on_conflict raises when exhausted


def too_contended() -> Conflict:
    return Conflict("too many simultaneous updates of this order; retry")


def _dispute(change: str) -> Planner:
    def plan(dispute: dict[str, Any]) -> Plan:
        order = _order_for_intent(dispute.get("payment_intent"), dispute.get("metadata"))
        if order is None:
            return Plan("ignored")
        status = str(dispute.get("status") or "") or ("needs_response" if change == "created" else "closed")
        facts = Facts.of(order).with_dispute(status)
        actions = [Order.dispute_status.set(str(facts.dispute_status))]
        if isinstance(dispute.get("id"), str):
            actions.append(Order.dispute_id.set(dispute["id"]))
        return _transition(order, facts, actions, _dispute_outcome(facts))

    return plan


def _dispute_outcome(facts: Facts) -> str:
    if not facts.paid:
        return "dispute_recorded"  # before the payment's success: it applies when the success arrives
    return {"lost": "revoked", "won": "restored"}.get(str(facts.dispute_status),
                                                      "suspended" if facts.status == "disputed" else "recorded")


PLANNERS: dict[str, Planner] = {
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute("created"),
    "charge.dispute.closed": _dispute("closed"),
}


def resend_pending_mail(intent: dict[str, Any]) -> None:
    """A success delivered again: send what the first delivery committed but did not get out (nothing when sent)."""
    order = _order_for_intent(intent.get("id"), intent.get("metadata"))
    if order is not None:
        emails.deliver(*mails.purchase_ids(order.order_id))
