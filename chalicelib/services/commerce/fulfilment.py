"""Stripe webhook events → orders, access and email, exactly once.

Every event is applied by ONE transaction that also puts `ProcessedEvent(event_id)` under
`attribute_not_exists`: duplicates (Stripe retries, concurrent deliveries) either find the marker or lose
the race and cancel, so an event's state change — and the email sent only by the call whose transaction
committed — happens once. The order's change is conditioned on the status it was read with; a concurrent
change cancels the transaction and the event is re-read and re-decided (bounded retries).

Out of order: a refund that arrives before the payment's success is recorded on the order
(`refunded_cents`); the success then marks the order paid-and-refunded and grants nothing.

Payments of AI credit packs (PaymentIntent metadata `kind=credit_pack`) are planned by `services/credit_packs.py`
and applied by the same transaction with the same marker; every other event is an order's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.errors import Conflict
from chalicelib.models import Order, ProcessedEvent, Product
from chalicelib.models.base import utcnow
from chalicelib.observability import logger
from chalicelib.services.access import grants as access
from chalicelib.services.core.db import cancellation_codes, transaction

RETRIES = 6
UNPAID = ("pending", "failed", "abandoned")


@dataclass
class Plan:
    """What one event does: `write` adds the state change to the transaction; `after` runs once committed."""

    outcome: str
    write: Callable[[TransactWrite], None] | None = None
    after: list[Callable[[], None]] = field(default_factory=list)
    then: Callable[[], None] | None = None  # like `after`, but a failure fails the delivery so Stripe retries it


def handle(event: dict[str, Any]) -> str:
    """Apply a verified event; the outcome (for logs and tests): e.g. `granted`, `duplicate`, `ignored`."""
    event_id, event_type = event["id"], event["type"]
    planner = PLANNERS.get(event_type)
    if planner is None:
        return "ignored"
    obj = (event.get("data") or {}).get("object") or {}
    for attempt in range(RETRIES):
        if _processed(event_id):
            if event_type == "payment_intent.succeeded":
                _resend_pending_confirmation(obj)  # the first delivery committed but did not get the mail out
            return "duplicate"
        plan = planner(obj)
        try:
            with transaction() as tx:
                tx.save(ProcessedEvent(event_id, event_type=event_type),
                        condition=ProcessedEvent.event_id.does_not_exist())
                if plan.write:
                    plan.write(tx)
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if not {"ConditionalCheckFailed", "TransactionConflict"} & set(codes):
                raise
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # noqa: S311 (jitter)
            continue
        for step in plan.after:
            _best_effort(step, event_id)
        if plan.then:
            plan.then()
        logger.info("stripe event applied", extra={"event_id": event_id, "event_type": event_type,
                                                   "outcome": plan.outcome})
        return plan.outcome
    raise Conflict("too many simultaneous updates of this order; retry")


def _processed(event_id: str) -> bool:
    try:
        ProcessedEvent.get(event_id, consistent_read=True)
        return True
    except DoesNotExist:
        return False


def _best_effort(step: Callable[[], None], event_id: str) -> None:
    """Follow-ups after the commit (email, coupon bookkeeping) must not turn a committed event into a 5xx:
    Stripe would redeliver it and the marker would answer `duplicate` anyway."""
    try:
        step()
    except Exception:  # noqa: BLE001
        logger.exception("follow-up of a stripe event failed", extra={"event_id": event_id})


# --- finding the order ------------------------------------------------------------------------------


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


def _product_state(product_id: str) -> dict[str, Any]:
    product = Product.get(product_id)
    return {"product_id": product.product_id, "creator_id": product.creator_id,
            "product_type": product.product_type, "title": product.title}


def _coupon(action: str, order: Order) -> Callable[[], None]:
    def run() -> None:
        from chalicelib.services.commerce import coupons

        getattr(coupons, action)(order.coupon_code, order.buyer_id, order.order_id)

    return run


# --- planners: read, decide, describe the write -------------------------------------------------------


def _payment_succeeded(intent: dict[str, Any]) -> Plan:
    order = _order_for_intent(intent.get("id"), intent.get("metadata"))
    if order is None or order.paid_at is not None:
        return Plan("ignored")
    now = utcnow()
    actions = [Order.paid_at.set(now), Order.pending_shard.remove(), Order.payment_intent_id.set(intent["id"])]
    charge = intent.get("latest_charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge  # expanded by localstripe
    if isinstance(charge_id, str):
        actions.append(Order.charge_id.set(charge_id))
    after = [_coupon("confirm", order)] if order.coupon_code else []
    if order.status not in UNPAID:  # refunded (or disputed) before we saw the success: record, grant nothing
        return Plan("recorded_after_refund", lambda tx: _guarded(tx, order, actions), after)
    product = _product_state(order.product_id)

    def write(tx: TransactWrite) -> None:
        _guarded(tx, order, [*actions, Order.status.set("paid"), Order.confirmation_pending.set(True)])
        access.add_grant(tx, order.buyer_id, product, "purchased", now)

    return Plan("granted", write, after, then=lambda: _confirm_once(order, product))


def _payment_failed(intent: dict[str, Any]) -> Plan:
    order = _order_for_intent(intent.get("id"), intent.get("metadata"))
    if order is None or order.status not in ("pending", "abandoned"):
        return Plan("ignored")
    reason = decline_reason(intent)

    def write(tx: TransactWrite) -> None:
        _guarded(tx, order, [Order.status.set("failed"), Order.failure_reason.set(reason),
                             Order.pending_shard.remove()])

    return Plan("failed", write, [_coupon("release", order)] if order.coupon_code else [])


def decline_reason(intent: dict[str, Any]) -> str:
    """Why a payment failed, in Stripe's words (its error code or decline code)."""
    error = intent.get("last_payment_error") or {}
    return str(error.get("code") or error.get("decline_code") or "payment_failed")[:100]


def _charge_refunded(charge: dict[str, Any]) -> Plan:
    order = _order_for_intent(charge.get("payment_intent"), charge.get("metadata"))
    if order is None:
        return Plan("ignored")
    refunded = min(int(charge.get("amount_refunded") or 0), int(order.amount_cents))
    if refunded <= int(order.refunded_cents or 0):
        return Plan("ignored")  # an older, smaller refund total arriving late
    full = refunded >= int(order.amount_cents)
    actions = [Order.refunded_cents.set(refunded)]
    if isinstance(charge.get("id"), str):
        actions.append(Order.charge_id.set(charge["id"]))
    if order.status in UNPAID and full:
        # Seen before the success: the order can never be fulfilled. It stays out of the pending sweep.
        actions += [Order.status.set("refunded"), Order.pending_shard.remove()]
        return Plan("refund_recorded", lambda tx: _guarded(tx, order, actions))
    if order.status in UNPAID:
        return Plan("refund_recorded", lambda tx: _guarded(tx, order, actions))
    if order.status not in ("disputed", "dispute_lost"):
        actions.append(Order.status.set("refunded" if full else "partially_refunded"))
    grant = access.current_grant(order.buyer_id, order.product_id) if full else None
    revoke = grant is not None and grant.access_type == "purchased" and grant.status != "revoked"

    def write(tx: TransactWrite) -> None:
        _guarded(tx, order, actions)
        if revoke:
            access.revoke(tx, grant)

    return Plan("refunded" if full else "partially_refunded", write)


def _dispute(change: str) -> Callable[[dict[str, Any]], Plan]:
    def plan(dispute: dict[str, Any]) -> Plan:
        order = _order_for_intent(dispute.get("payment_intent"), dispute.get("metadata"))
        if order is None or order.paid_at is None:
            return Plan("ignored")
        status = str(dispute.get("status") or "")
        grant = access.current_grant(order.buyer_id, order.product_id)
        grant = grant if grant is not None and grant.access_type == "purchased" else None
        actions = [Order.dispute_status.set(status or "open")]
        if isinstance(dispute.get("id"), str):
            actions.append(Order.dispute_id.set(dispute["id"]))
        grant_change: Callable[[TransactWrite, Any], None] | None = None
        if change == "created":
            actions.append(Order.status.set("disputed"))
            grant_change = access.suspend if grant and grant.status == "active" else None
            outcome = "suspended"
        elif status == "won":
            fully_refunded = int(order.refunded_cents or 0) >= int(order.amount_cents)
            actions.append(Order.status.set("refunded" if fully_refunded else "paid"))
            grant_change = access.restore if grant and grant.status == "suspended" and not fully_refunded else None
            outcome = "restored"
        elif status == "lost":
            actions.append(Order.status.set("dispute_lost"))
            grant_change = access.revoke if grant and grant.status != "revoked" else None
            outcome = "revoked"
        else:  # warning_closed and the like: nothing changes but the recorded status
            outcome = "recorded"

        def write(tx: TransactWrite) -> None:
            _guarded(tx, order, actions)
            if grant_change:
                grant_change(tx, grant)

        return Plan(outcome, write)

    return plan


Planner = Callable[[dict[str, Any]], Plan]


def _credit_pack_or(event_type: str, order_planner: Planner) -> Planner:
    """An event about an AI credit pack purchase is planned by `credit_packs`; any other by the order's planner."""

    def plan(obj: dict[str, Any]) -> Plan:
        from chalicelib.services.commerce import (
            credit_packs,  # here, not at the top: it imports `Plan` from this module
        )

        return credit_packs.plan(event_type, obj) or order_planner(obj)

    return plan


PLANNERS: dict[str, Planner] = {
    "payment_intent.succeeded": _credit_pack_or("payment_intent.succeeded", _payment_succeeded),
    "payment_intent.payment_failed": _credit_pack_or("payment_intent.payment_failed", _payment_failed),
    "charge.refunded": _credit_pack_or("charge.refunded", _charge_refunded),
    "charge.dispute.created": _dispute("created"),
    "charge.dispute.closed": _dispute("closed"),
}


# --- the confirmation email ---------------------------------------------------------------------------


def _recipient(order: Order) -> str | None:
    if order.buyer_email:
        return order.buyer_email
    from chalicelib.models import User

    try:
        return User.get(order.buyer_id).email
    except DoesNotExist:
        return None


def _confirm_once(order: Order, product: dict[str, Any]) -> None:
    """Send the confirmation the paid order is waiting for (an outbox flag set in the fulfilment transaction).

    The flag is claimed with a conditional update before sending, so concurrent deliveries send once; a failed
    send puts it back and fails the delivery, and Stripe's redelivery (a duplicate event) sends it then.
    """
    try:
        Order(order.order_id).update(actions=[Order.confirmation_pending.remove()],
                                     condition=Order.confirmation_pending == True)  # noqa: E712 (a DynamoDB condition)
    except UpdateError:
        return  # already sent, or being sent by a concurrent delivery
    try:
        _send_confirmation(order, product)
    except Exception:
        Order(order.order_id).update(actions=[Order.confirmation_pending.set(True)])
        raise


def _resend_pending_confirmation(intent: dict[str, Any]) -> None:
    order = _order_for_intent(intent.get("id"), intent.get("metadata"))
    if order is not None and order.confirmation_pending:
        _confirm_once(order, _product_state(order.product_id))


def _send_confirmation(order: Order, product: dict[str, Any]) -> None:
    to = _recipient(order)
    if not to:
        logger.warning("no email address for a paid order", extra={"order_id": order.order_id})
        return
    from chalicelib.integrations.mail import mailer

    settings = get_settings()
    link = f"{settings.public_app_url.rstrip('/')}/library/{order.product_id}"
    amount = f"{int(order.amount_cents) / 100:.2f} {order.currency}"
    mailer().send(to=to, subject=f"Your purchase: {product['title']}", text=(
        f"Thank you for your purchase of {product['title']} ({amount}).\n\n"
        f"It is in your library now: {link}\n\nOrder {order.order_id}\n"))
