"""Refund requests: buyers ask (within the product's refund window), the order's creator approves or denies.
Rules, idempotency and the Stripe call live in `services/commerce/refunds.py`."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

bp = Blueprint(__name__)
R = "/v1/creator/refund-requests/{request_id}"


def _refunds():
    from chalicelib.services.commerce import refunds

    return refunds


@route(bp, "/v1/orders/{order_id}/refund-requests", "POST", summary="Ask for a refund of your paid order "
       "(within the product's refund window; one open request per order)", tag="refunds",
       body="refunds.RefundRequestCreate", response="refunds.RefundRequestOut", status=201,
       errors=(409,))
def request_refund(call: Call, order_id: str):
    return _refunds().request_refund(call.user_id, order_id, call.body.reason, call.body.amount_cents)


@route(bp, "/v1/orders/{order_id}/refund-requests", summary="Your refund requests for an order, newest first",
       tag="refunds", response="refunds.RefundRequestList")
def my_refund_requests(call: Call, order_id: str) -> dict:
    return {"items": _refunds().list_for_buyer(call.user_id, order_id)}


@route(bp, "/v1/creator/refund-requests", summary="Refund requests on your sales by status (default pending), "
       "oldest first", tag="creator", query="refunds.RefundQueueQuery", response="refunds.RefundRequestPage")
def creator_refund_requests(call: Call) -> dict:
    page = _refunds().list_for_creator(call.user_id, call.query.status, page_limit(call.query.limit),
                                       call.query.cursor)
    return page.to_dict()


@route(bp, f"{R}/approve", "POST", summary="Approve a refund request: issues the Stripe refund (idempotent; "
       "approving again retries with the same idempotency key)", tag="creator", body="refunds.RefundApprove",
       body_required=False, response="refunds.RefundRequestOut", errors=(409, 503))
def approve_refund(call: Call, request_id: str):
    return _refunds().approve(call.user_id, request_id, call.body.amount_cents)


@route(bp, f"{R}/deny", "POST", summary="Deny a pending refund request, with an optional note to the buyer",
       tag="creator", body="refunds.RefundDeny", body_required=False,
       response="refunds.RefundRequestOut", errors=(409,))
def deny_refund(call: Call, request_id: str):
    return _refunds().deny(call.user_id, request_id, call.body.note)
