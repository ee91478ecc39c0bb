"""Refund requests: the buyer asks within the product's refund window; the order's creator approves or denies.

Money moves once: a request is approved under a condition BEFORE Stripe is called, and every call for it carries
the same idempotency key (`refund-<request_id>`). A refund Stripe answers `succeeded` is recorded on the order in
the same call (`order_events.record_refund`: refunded amount, status, access revoked on a full refund), counted by
its Stripe refund id so the later `charge.refunded` event does not count it again; a `pending` one waits for it.
A destination charge (connect mode) is refunded with the creator's transfer and the platform's fee taken back in
proportion (`reverse_transfer`, `refund_application_fee`), full or partial (`payouts`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrations import payments
from chalicelib.models import Order, Product, RefundRequest
from chalicelib.models.base import utcnow
from chalicelib.observability import logger
from chalicelib.services.accounts import emails
from chalicelib.services.commerce import mails, order_events, refund_rules
from chalicelib.services.commerce.errors import (
    OrderNotRefundable,
    RefundNotIssued,
    RefundRequestOpen,
    RefundWindowClosed,
)
from chalicelib.services.core.db import condition_failed, lost_race, retry_on_conflict, transaction
from chalicelib.services.core.pagination import Page, paginate

REFUNDABLE_ORDER_STATUSES = ("paid", "partially_refunded")
STATUSES = ("pending", "approved", "refunded", "denied")
DEFAULT_WINDOW_DAYS = 30
MAX_REQUESTS_PER_ORDER = 10  # keeps an order's partition (and the buyer's list) small and bounded
_ATTEMPTS = 4
_RETRY_DELAY = 0.01
Mail = Callable[[TransactWrite], str]  # queues an email in the transaction: its id


def _gateway() -> payments.PaymentGateway:
    """The payment gateway (a seam for tests)."""
    return payments.gateway()


# --- ids and reads -----------------------------------------------------------------------------------


def request_id_for(order_id: str, seq: int) -> str:
    return f"rr_{seq}_{order_id}"


def parse_request_id(request_id: str) -> tuple[str, int] | None:
    prefix, _, rest = request_id.partition("_")
    seq, _, order_id = rest.partition("_")
    if prefix != "rr" or not seq.isdigit() or not order_id or len(request_id) > 200:
        return None
    return order_id, int(seq)


def _sort_key(status: str, created_at: datetime) -> str:
    return f"{status}#{created_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


def _order(order_id: str) -> Order | None:
    try:
        return Order.get(order_id, consistent_read=True)
    except DoesNotExist:
        return None


def _own_order(buyer_id: str, order_id: str) -> Order:
    order = _order(order_id) if len(order_id) <= 200 else None
    if order is None or order.buyer_id != buyer_id:
        raise NotFound("order not found")
    return order


def _order_requests(order_id: str) -> list[RefundRequest]:
    """Every request of an order, oldest first: one consistent Query of a partition of ≤ 10 items."""
    return list(RefundRequest.query(order_id, consistent_read=True, limit=MAX_REQUESTS_PER_ORDER + 1))


def _creator_request(creator_id: str, request_id: str) -> RefundRequest:
    key = parse_request_id(request_id)
    if key is None:
        raise NotFound("refund request not found")
    try:
        request = RefundRequest.get(*key, consistent_read=True)
    except DoesNotExist:
        raise NotFound("refund request not found") from None
    if request.creator_id != creator_id:
        raise NotFound("refund request not found")
    return request


def remaining_refundable(order: Order, requests: list[RefundRequest]) -> int:
    """What can still be refunded. `refunded_cents` is updated by the `charge.refunded` webhook, which may lag
    an approval, so refunds we already issued (approved/refunded requests) count even before it arrives."""
    issued = sum(r.approved_amount_cents or 0 for r in requests if r.status in ("approved", "refunded"))
    return max(0, int(order.amount_cents) - max(int(order.refunded_cents or 0), issued))


def _window_days(product_id: str) -> int:
    try:
        days = Product.get(product_id, attributes_to_get=["refund_window_days"]).refund_window_days
    except DoesNotExist:
        return DEFAULT_WINDOW_DAYS
    return DEFAULT_WINDOW_DAYS if days is None else int(days)


# --- buyer -------------------------------------------------------------------------------------------


def request_refund(buyer_id: str, order_id: str, reason: str, amount_cents: int | None = None,
                   now: datetime | None = None) -> RefundRequest:
    now = now or utcnow()
    order = _own_order(buyer_id, order_id)
    if order.status not in REFUNDABLE_ORDER_STATUSES or order.paid_at is None:
        raise OrderNotRefundable(f"an order that is {order.status} cannot be refunded")
    window = _window_days(order.product_id)
    closes_at = order.paid_at + timedelta(days=window)
    if now > closes_at:
        raise RefundWindowClosed(f"the refund window ({window} days) closed on {closes_at.date().isoformat()}",
                                 [{"loc": ["order_id"], "msg": f"refunds close {window} days after payment",
                                   "type": "refund_window_closed"}])
    requests = _order_requests(order_id)
    latest = requests[-1] if requests else None
    if latest is not None and latest.status == "pending":
        raise RefundRequestOpen("this order already has an open refund request")
    if len(requests) >= MAX_REQUESTS_PER_ORDER:
        raise OrderNotRefundable("too many refund requests for this order")
    remaining = remaining_refundable(order, requests)
    if remaining <= 0:
        raise OrderNotRefundable("nothing left to refund on this order")
    amount = remaining if amount_cents is None else amount_cents
    if amount > remaining:
        raise InvalidInput("amount exceeds what can still be refunded",
                           [{"loc": ["body", "amount_cents"], "msg": f"at most {remaining}",
                             "type": "less_than_equal"}])
    seq = (int(latest.seq) if latest else 0) + 1
    created_at = now
    consumed = refund_rules.consumption(buyer_id, order.product_id)
    record = RefundRequest(order_id, seq, request_id=request_id_for(order_id, seq), buyer_id=buyer_id,
                           creator_id=order.creator_id, product_id=order.product_id, currency=order.currency,
                           status="pending", status_created=_sort_key("pending", created_at), reason=reason,
                           amount_cents=amount, created_at=created_at, updated_at=created_at, **consumed)
    try:
        with transaction() as tx:  # the request, the creator's email and notification: together
            tx.save(record, condition=RefundRequest.seq.does_not_exist())
            mail_id = mails.refund_requested(tx, record, now)
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        raise RefundRequestOpen("this order already has an open refund request") from None
    emails.deliver_quietly(mail_id)
    if refund_rules.approves(refund_rules.rule_of(order.product_id), order, consumed["consumed_percent"], now):
        try:  # the normal path: Stripe, the order, the buyer's email
            return approve(order.creator_id, record.request_id, auto=True)
        except RefundNotIssued:  # approved, not issued: the creator's "approve" retries it with the same key
            record.refresh(consistent_read=True)
    return record


def list_for_buyer(buyer_id: str, order_id: str) -> list[RefundRequest]:
    _own_order(buyer_id, order_id)
    return list(reversed(_order_requests(order_id)))


# --- creator -----------------------------------------------------------------------------------------


def list_for_creator(creator_id: str, status: str, limit: int, cursor: str | None) -> Page:
    """One Query on `by_creator_status`, oldest first (a queue), paginated by a signed cursor."""
    return paginate(lambda **page: RefundRequest.by_creator_status.query(
        creator_id, RefundRequest.status_created.startswith(f"{status}#"), **page),
        f"refund-requests|{creator_id}|{status}", cursor, limit)


def _transition(request: RefundRequest, to: str, expected: str, mail: Mail | None = None, **fields: Any) -> bool:
    """Move `request` from `expected` to `to` with `fields` (and the buyer's email, `mail`, in the same
    transaction); False when someone else moved it first. The request is refreshed with a consistent read."""
    now = utcnow()
    actions = [RefundRequest.status.set(to), RefundRequest.status_created.set(_sort_key(to, request.created_at)),
               RefundRequest.updated_at.set(now)]
    actions += [getattr(RefundRequest, name).set(value) for name, value in fields.items()]
    try:
        with transaction() as tx:
            tx.update(request, actions=actions, condition=RefundRequest.status == expected)
            mail_id = mail(tx) if mail else None
    except TransactWriteError as exc:
        if not condition_failed(exc):
            raise
        request.refresh(consistent_read=True)
        return False
    request.refresh(consistent_read=True)
    if mail_id:
        emails.deliver_quietly(mail_id)
    return True


def approve(creator_id: str, request_id: str, amount_cents: int | None = None, auto: bool = False) -> RefundRequest:
    """Approve (`auto`: by the product's refund rule) and issue the refund; idempotent."""
    request = _creator_request(creator_id, request_id)
    for _ in retry_on_conflict(_ATTEMPTS, _RETRY_DELAY, _changed_concurrently):
        if request.status == "denied":
            raise Conflict("this refund request was denied")
        if request.status in ("approved", "refunded") and amount_cents is not None \
                and amount_cents != request.approved_amount_cents:
            raise Conflict(f"already approved for {request.approved_amount_cents}")
        if request.status == "refunded":
            if request.refund_id and request.refund_status == "succeeded":  # recorded once, by refund id
                order_events.record_refund(request.order_id, request.refund_id, int(request.approved_amount_cents))
            return request  # done: no second refund
        order = _order(request.order_id)
        if order is None or not order.payment_intent_id:
            raise OrderNotRefundable("the order has no payment to refund")
        if request.status == "pending":
            if order.status not in REFUNDABLE_ORDER_STATUSES:
                raise OrderNotRefundable(f"an order that is {order.status} cannot be refunded")
            others = [r for r in _order_requests(request.order_id) if r.seq != request.seq]
            remaining = remaining_refundable(order, others)
            amount = request.amount_cents if amount_cents is None else amount_cents
            if amount > remaining:
                raise InvalidInput("amount exceeds what can still be refunded",
                                   [{"loc": ["body", "amount_cents"], "msg": f"at most {remaining}",
                                     "type": "less_than_equal"}])
            decided = {"approved_amount_cents": amount, "decided_at": utcnow()} | ({"is_auto_approved": True}
                                                                                  if auto else {})
            if not _transition(request, "approved", "pending", **decided):
                continue  # someone else decided first: re-evaluate what they did
        return _issue(request, order)


def _changed_concurrently() -> Conflict:
    return Conflict("the refund request changed concurrently; retry")


def _issue(request: RefundRequest, order: Order) -> RefundRequest:
    """Call Stripe for an approved request (same idempotency key on every retry) and record the refund."""
    try:
        result = _gateway().create_refund(
            payment_intent_id=order.payment_intent_id, amount_cents=int(request.approved_amount_cents),
            idempotency_key=f"refund-{request.request_id}",
            metadata={"refund_request_id": request.request_id, "order_id": request.order_id,
                      "product_id": request.product_id, "buyer_id": request.buyer_id},
            **({"reverse_transfer": True} if order.destination_account_id else {}))  # a destination charge
    except payments.PaymentProviderError as exc:  # the request stays approved: approving again retries, same key
        logger.warning("refund not issued", extra={"refund_request_id": request.request_id,
                                                    "error": type(exc).__name__})
        raise RefundNotIssued("the payment provider did not issue the refund; approve again to retry") from exc
    if result.status == "succeeded":  # recorded now (a pending refund waits for its charge.refunded event)
        order_events.record_refund(request.order_id, result.id, result.amount_cents)
    others = [r for r in _order_requests(request.order_id) if r.seq != request.seq]
    kind = "refund_approved" if int(request.approved_amount_cents) >= remaining_refundable(order, others) \
        else "refund_partial"
    _transition(request, "refunded", "approved", lambda tx: mails.refund_decided(tx, request, order, kind),
                refund_id=result.id, refund_status=result.status, refunded_at=utcnow())
    return request


def deny(creator_id: str, request_id: str, note: str | None = None) -> RefundRequest:
    request = _creator_request(creator_id, request_id)
    for _ in retry_on_conflict(_ATTEMPTS, _RETRY_DELAY, _changed_concurrently):
        if request.status == "denied":
            return request
        if request.status != "pending":
            raise Conflict(f"this refund request is already {request.status}")
        fields: dict[str, Any] = {"decided_at": utcnow()} | ({"note": note} if note else {})
        order = _order(request.order_id)
        told = partial(mails.refund_decided, request=request, order=order, kind="refund_denied",
                       note=note or "") if order else None
        if _transition(request, "denied", "pending", told, **fields):
            return request
