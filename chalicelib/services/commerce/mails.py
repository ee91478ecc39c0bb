"""Commerce's lifecycle emails and creator notifications, queued inside the transaction of the event they report.

Each function adds the buyer's receipt or the creator's message to the caller's transaction through the accounts
outbox (`accounts.emails.queue`: exactly once with the event, sent after the commit by `emails.deliver`), and the
creator's in-app notification (`messaging.notifications.add`) beside it. Mail ids name the event: `receipt:<order>`,
`sale:<order>`, `refund:<request>` (the decision), `refund-request:<request>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.models import Order, Product, RefundRequest
from chalicelib.services.accounts.emails import app_link, money, queue
from chalicelib.services.messaging import notifications

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


def titles(product_id: str, member_ids: Any = ()) -> tuple[str, list[str]]:
    """The product's title and its bundle members' (one GetItem, one BatchGetItem for a bundle)."""
    found = {p.product_id: p.title for p in Product.batch_get([product_id, *member_ids])}
    return found.get(product_id, "your purchase"), sorted(found[m] for m in member_ids if m in found)


def purchase_ids(order_id: str) -> tuple[str, str]:
    return f"receipt:{order_id}", f"sale:{order_id}"


def purchase(tx: TransactWrite, order: Order, title: str, members: list[str], now: datetime) -> tuple[str, str]:
    """A paid order (by card or a 100 % coupon): the buyer's receipt, the creator's new-sale email and notification."""
    amount = money(int(order.amount_cents), order.currency)
    coupon = f" (coupon {order.coupon_code})" if order.coupon_code else ""
    receipt, sale = purchase_ids(order.order_id)
    params = {"product_title": title, "amount": amount, "coupon_note": coupon, "order_id": order.order_id,
              "library_url": app_link("library" if members else f"library/{order.product_id}")}
    queue(tx, receipt, "bundle_purchase" if members else "purchase", order.buyer_id,
          {**params, "members": members} if members else params, order.buyer_email)
    queue(tx, sale, "new_sale", order.creator_id, {**params, "sales_url": app_link("creator/sales")})
    notifications.add(tx, order.creator_id, "sale", f"New sale: {title}", f"{amount}{coupon}", now,
                      product_id=order.product_id)
    return receipt, sale


def refund_decided(tx: TransactWrite, request: RefundRequest, order: Order, kind: str, note: str = "") -> str:
    """The buyer hears of a decision: `refund_approved` (all of it back), `refund_partial` or `refund_denied`."""
    title, _ = titles(request.product_id)
    amount = int(request.approved_amount_cents if kind != "refund_denied" else request.amount_cents)
    return queue(tx, f"refund:{request.request_id}", kind, request.buyer_id,
                 {"product_title": title, "amount": money(amount, request.currency), "order_id": order.order_id,
                  "library_url": app_link(f"library/{request.product_id}"),
                  "note": f"Their note: {note}" if note else ""}, order.buyer_email)


def refund_requested(tx: TransactWrite, request: RefundRequest, now: datetime) -> str:
    """The creator hears of a new refund request: email and notification."""
    title, _ = titles(request.product_id)
    amount = money(int(request.amount_cents), request.currency)
    notifications.add(tx, request.creator_id, "refund_request", f"Refund requested: {title}",
                      f"{amount}: {request.reason}"[:200], now, product_id=request.product_id)
    return queue(tx, f"refund-request:{request.request_id}", "refund_request", request.creator_id,
                 {"product_title": title, "amount": amount, "reason": request.reason,
                  "request_id": request.request_id, "requests_url": app_link("creator/refunds")})
