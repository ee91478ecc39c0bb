"""Verified Stripe events, dispatched to their planner and applied exactly once.

Every event is applied by ONE transaction that also puts `ProcessedEvent(event_id)` under
`attribute_not_exists`: duplicates (Stripe retries, concurrent deliveries) either find the marker or lose the
race and are re-planned into `duplicate`, so an event's state change — and the follow-ups run only by the call
whose transaction committed — happen once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.integrations import payments
from chalicelib.models import ProcessedEvent
from chalicelib.observability import Metric, count, logger
from chalicelib.services.commerce import credit_packs, order_events
from chalicelib.services.commerce.errors import InvalidWebhook
from chalicelib.services.commerce.events import Plan, count_committed
from chalicelib.services.core.db import lost_race, retry_on_conflict, transaction
from chalicelib.services.payouts import events as payout_events

ATTEMPTS = 6


def receive(payload: bytes, signature: str) -> str:
    """Verify the raw body's signature (400 `invalid_webhook`, nothing written), then apply the event."""
    try:
        event = payments.gateway().verify_webhook(payload, signature)
    except payments.InvalidWebhook as exc:
        count(Metric.WEBHOOK_SIGNATURE_FAILURES)
        raise InvalidWebhook(str(exc)) from None
    return handle(event)


def _plan(event: dict[str, Any], obj: dict[str, Any]) -> Plan:
    """A Connect event (a creator's account or payout) is planned by `payouts.events`; an event about an AI credit
    pack purchase by `credit_packs`; any other by the order's planner."""
    event_type = event["type"]
    if event_type in payout_events.PLANNERS:
        return Plan(*payout_events.PLANNERS[event_type](event))
    return credit_packs.plan(event_type, obj) or order_events.PLANNERS[event_type](obj)


def handle(event: dict[str, Any]) -> str:
    """Apply a verified event; the outcome (for logs and tests): e.g. `granted`, `duplicate`, `ignored`."""
    event_id, event_type = event["id"], event["type"]
    if event_type not in order_events.PLANNERS and event_type not in payout_events.PLANNERS:
        return "ignored"
    obj = (event.get("data") or {}).get("object") or {}
    for _ in retry_on_conflict(ATTEMPTS, 0.01, order_events.too_contended, max_delay=0.64):
        if _processed(event_id):
            if event_type == "payment_intent.succeeded":
                order_events.resend_pending_mail(obj)  # the first delivery committed, its mail did not go
            return "duplicate"
        plan = _plan(event, obj)
        try:
            with transaction() as tx:
                tx.save(ProcessedEvent(event_id, event_type=event_type),
                        condition=ProcessedEvent.event_id.does_not_exist())
                if plan.write:
                    plan.write(tx)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            continue
        count_committed(plan.outcome, event_type)
        for step in plan.after:
            _best_effort(step, event_id)
        if plan.then:
            plan.then()
        logger.info("stripe event applied", extra={"event_id": event_id, "event_type": event_type,
                                                   "outcome": plan.outcome})
        return plan.outcome


def _processed(event_id: str) -> bool:
    try:
        ProcessedEvent.get(event_id, consistent_read=True)
        return True
    except DoesNotExist:
        return False


def _best_effort(step: Callable[[], None], event_id: str) -> None:
    """Follow-ups after the commit (coupon bookkeeping) must not turn a committed event into a 5xx: Stripe would
    redeliver it and the marker would answer `duplicate` anyway."""
    try:
        step()
    except Exception:  # noqa: BLE001
        logger.exception("follow-up of a stripe event failed", extra={"event_id": event_id})
