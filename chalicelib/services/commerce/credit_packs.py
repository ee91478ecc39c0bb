"""AI credit packs: a user buys tokens with Stripe; the verified webhook credits them exactly once.

Checkout puts a pending `CreditPurchase` and a PaymentIntent for the catalogue's price; `plan` turns a Stripe event
about a purchase into a `Plan` that `webhooks.handle` writes with the event's marker. The protocol (amounts checked,
refunds clawed back only from what is left) is in the package docstring.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.errors import IdempotencyKeyReused, NotFound
from chalicelib.integrations import payments
from chalicelib.models.base import utcnow
from chalicelib.models.credits import CreditPurchase
from chalicelib.observability import logger
from chalicelib.services.accounts import users
from chalicelib.services.ai import credits
from chalicelib.services.commerce.errors import CheckoutInProgress, PaymentUnavailable
from chalicelib.services.commerce.events import Plan, decline_reason, latest_charge_id
from chalicelib.services.core.db import put_once
from chalicelib.services.core.ids import new_id

KIND = "credit_pack"  # PaymentIntent metadata `kind`: how a webhook tells a pack's payment from an order's
START_GRACE = timedelta(seconds=30)  # a purchase without a PaymentIntent after this was left by a dead request


def packs() -> list[dict[str, Any]]:
    return [{"pack_id": pack_id, "tokens": tokens, "price_cents": price, "currency": currency}
            for pack_id, tokens, price, currency in get_settings().ai_credit_packs]


def _pack(pack_id: str) -> dict[str, Any]:
    for pack in packs():
        if pack["pack_id"] == pack_id:
            return pack
    raise NotFound("credit pack not found")


# --- checkout ---------------------------------------------------------------------------------------


def checkout(user_id: str, email: str | None, name: str | None, pack_id: str,
             idempotency_key: str | None) -> dict[str, Any]:
    """A pending purchase of the pack and its PaymentIntent's client_secret; the same again for a repeated key."""
    pack = _pack(pack_id)
    users.ensure_user(user_id, email, name)  # the webhook's credit is conditioned on the user's row
    purchase = CreditPurchase(_purchase_id(user_id, idempotency_key), user_id=user_id, pack_id=pack_id,
                              tokens=pack["tokens"], amount_cents=pack["price_cents"], currency=pack["currency"])
    if not put_once(purchase, CreditPurchase.purchase_id):
        purchase = CreditPurchase.get(purchase.purchase_id, consistent_read=True)
        if purchase.user_id != user_id or purchase.pack_id != pack_id:  # the key is bound to its request
            raise IdempotencyKeyReused("this Idempotency-Key was used for another request (another pack)",
                                       [{"loc": ["header", "Idempotency-Key"], "msg": "reused for another request",
                                         "type": "idempotency_key_reused"}])
        if purchase.client_secret:
            return _checkout_out(purchase)
        if purchase.status != "pending":
            raise PaymentUnavailable("this purchase could not be started; retry with a new Idempotency-Key",
                                     retry_after=None)  # the same key would fail again
        if purchase.created_at + START_GRACE > utcnow():
            raise CheckoutInProgress("this purchase is being started; retry in a moment",
                                     [{"purchase_id": purchase.purchase_id}])
        # The first request died between its put and Stripe: the same Stripe idempotency key resumes it.
    return _start_payment(purchase)


def _purchase_id(user_id: str, idempotency_key: str | None) -> str:
    """Bound to the caller and this route (the purchase table): the target pack is checked against the stored
    purchase (the route has no body to hash)."""
    if idempotency_key is None:
        return new_id("cp")
    return "cp_" + hashlib.sha256(f"{user_id}\n{idempotency_key}".encode()).hexdigest()[:32]


def _start_payment(purchase: CreditPurchase) -> dict[str, Any]:
    metadata = {"kind": KIND, "purchase_id": purchase.purchase_id, "user_id": purchase.user_id,
                "pack_id": purchase.pack_id, "tokens": str(int(purchase.tokens))}
    try:
        intent = payments.gateway().create_payment_intent(
            amount_cents=int(purchase.amount_cents), currency=purchase.currency, metadata=metadata,
            idempotency_key=f"credit-pack-{purchase.purchase_id}")
    except payments.PaymentProviderError as exc:
        purchase.update(actions=[CreditPurchase.status.set("failed"), CreditPurchase.failure_reason.set(
            "provider_error"), CreditPurchase.updated_at.set(utcnow())])
        raise PaymentUnavailable(str(exc)) from None
    purchase.update(actions=[CreditPurchase.payment_intent_id.set(intent.id),
                             CreditPurchase.client_secret.set(intent.client_secret),
                             CreditPurchase.updated_at.set(utcnow())])
    return _checkout_out(purchase)


def _checkout_out(purchase: CreditPurchase) -> dict[str, Any]:
    return {"purchase_id": purchase.purchase_id, "pack_id": purchase.pack_id, "status": purchase.status,
            "tokens": int(purchase.tokens), "amount_cents": int(purchase.amount_cents),
            "currency": purchase.currency, "client_secret": purchase.client_secret}


def get_purchase(user_id: str, purchase_id: str) -> CreditPurchase:
    """The caller's own purchase; anyone else's answers 404 like a missing one."""
    purchase = _get(purchase_id)
    if purchase is None or purchase.user_id != user_id:
        raise NotFound("credit purchase not found")
    return purchase


def _get(purchase_id: Any) -> CreditPurchase | None:
    if not isinstance(purchase_id, str) or not purchase_id:
        return None
    try:
        return CreditPurchase.get(purchase_id, consistent_read=True)
    except DoesNotExist:
        return None


# --- webhooks: read, decide, describe the write (applied by webhooks.handle) -----------------------------


def plan(event_type: str, obj: dict[str, Any]) -> Plan | None:
    """The plan for an event about a credit purchase; None when the event is not about one."""
    planner = _PLANNERS.get(event_type)
    if planner is None:
        return None
    intent_id = obj.get("id") if event_type.startswith("payment_intent.") else obj.get("payment_intent")
    purchase = _purchase_for(intent_id, obj.get("metadata") or {})
    return None if purchase is None else planner(purchase, obj)


def _purchase_for(intent_id: Any, metadata: dict[str, Any]) -> CreditPurchase | None:
    """By the metadata we set on the intent; else (a charge need not carry it) by the intent's id, unless the
    metadata names an order. An intent other than the one the purchase recorded is not this purchase's."""
    if metadata.get("kind") == KIND:
        purchase = _get(metadata.get("purchase_id"))
    elif metadata.get("order_id") or not isinstance(intent_id, str):
        return None
    else:
        keys = list(CreditPurchase.by_payment_intent.query(intent_id, limit=1))
        purchase = _get(keys[0].purchase_id) if keys else None
    if purchase is None or purchase.payment_intent_id not in (None, intent_id):
        return None
    return purchase


def _guarded(tx: TransactWrite, purchase: CreditPurchase, actions: list[Any]) -> None:
    """Update the purchase only if its status and refund total are still the ones the plan was made from."""
    tx.update(purchase, actions=[*actions, CreditPurchase.updated_at.set(utcnow())],
              condition=(CreditPurchase.status == purchase.status)
              & (CreditPurchase.refunded_cents == purchase.refunded_cents))


def _mismatch(purchase: CreditPurchase, intent: dict[str, Any]) -> str | None:
    """What about the payment differs from the purchase, or None when it is exactly the purchase's."""
    received = intent.get("amount_received", intent.get("amount"))
    currency = str(intent.get("currency") or "").upper()
    if isinstance(received, bool) or received != int(purchase.amount_cents) or currency != purchase.currency:
        return f"received {received} {currency}, expected {int(purchase.amount_cents)} {purchase.currency}"
    metadata = intent.get("metadata") or {}
    expected = {"user_id": purchase.user_id, "pack_id": purchase.pack_id, "tokens": str(int(purchase.tokens))}
    wrong = sorted(name for name, value in expected.items() if metadata.get(name) != value)
    return f"metadata differs: {', '.join(wrong)}" if wrong else None


def _refund_status(purchase: CreditPurchase, refunded: int, otherwise: str) -> str:
    if refunded >= int(purchase.amount_cents):
        return "refunded"
    return "partially_refunded" if refunded else otherwise


def _succeeded(purchase: CreditPurchase, intent: dict[str, Any]) -> Plan:
    if purchase.paid_at is not None or purchase.status == "mismatch":
        return Plan("ignored")  # credited (or refused) already: this is another event about the same payment
    actions = [CreditPurchase.payment_intent_id.set(intent["id"])]
    charge_id = latest_charge_id(intent)
    if charge_id:
        actions.append(CreditPurchase.charge_id.set(charge_id))
    problem = _mismatch(purchase, intent)
    if problem:
        logger.error("credit pack payment does not match its purchase: nothing credited", extra={
            "purchase_id": purchase.purchase_id, "payment_intent": intent["id"], "problem": problem})
        actions += [CreditPurchase.status.set("mismatch"), CreditPurchase.failure_reason.set(problem[:200])]
        return Plan("mismatch", lambda tx: _guarded(tx, purchase, actions))
    withheld = int(purchase.refund_tokens)  # a refund seen before the success keeps its tokens back
    credit = int(purchase.tokens) - withheld
    actions += [CreditPurchase.paid_at.set(utcnow()), CreditPurchase.clawed_back_tokens.set(withheld),
                CreditPurchase.status.set(_refund_status(purchase, int(purchase.refunded_cents), "paid")),
                CreditPurchase.failure_reason.remove()]

    def write(tx: TransactWrite) -> None:
        _guarded(tx, purchase, actions)
        if credit:
            credits.credit_writes(tx, purchase.user_id, credit, reference=purchase.purchase_id)

    return Plan("credited" if credit else "recorded_after_refund", write)


def _failed(purchase: CreditPurchase, intent: dict[str, Any]) -> Plan:
    if purchase.status != "pending":
        return Plan("ignored")
    actions = [CreditPurchase.status.set("failed"), CreditPurchase.failure_reason.set(decline_reason(intent))]
    return Plan("failed", lambda tx: _guarded(tx, purchase, actions))


def _refunded(purchase: CreditPurchase, charge: dict[str, Any]) -> Plan:
    amount = int(purchase.amount_cents)
    refunded = min(int(charge.get("amount_refunded") or 0), amount)
    if refunded <= int(purchase.refunded_cents):
        return Plan("ignored")  # an older, smaller refund total arriving late
    worth = -(-int(purchase.tokens) * refunded // amount)  # ⌈tokens × refunded / amount⌉
    actions = [CreditPurchase.refunded_cents.set(refunded), CreditPurchase.refund_tokens.set(worth)]
    if isinstance(charge.get("id"), str):
        actions.append(CreditPurchase.charge_id.set(charge["id"]))
    if purchase.paid_at is None:  # nothing credited yet (success not seen, or refused as a mismatch)
        if purchase.status in ("pending", "failed") and refunded >= amount:
            actions.append(CreditPurchase.status.set("refunded"))
        return Plan("refund_recorded", lambda tx: _guarded(tx, purchase, actions))
    owed = worth - int(purchase.refund_tokens)
    take = min(credits.balance(purchase.user_id), owed)
    if take < owed:
        logger.warning("refunded AI credits were already spent: clawed back what was left", extra={
            "purchase_id": purchase.purchase_id, "owed_tokens": owed, "clawed_back_tokens": take})
    status = _refund_status(purchase, refunded, "paid")
    actions += [CreditPurchase.status.set(status), CreditPurchase.clawed_back_tokens.add(take)]

    def write(tx: TransactWrite) -> None:
        _guarded(tx, purchase, actions)
        if take:
            credits.credit_writes(tx, purchase.user_id, -take, kind="clawback",
                                    reference=f"{purchase.purchase_id}:refund:{refunded}")

    return Plan(status, write)


_PLANNERS = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "charge.refunded": _refunded,
}
