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


RULE = "/v1/products/{product_id}/refund-rule"


def _rules():
    from chalicelib.services.commerce import refund_rules

    return refund_rules


@route(bp, RULE, summary="Your product's refund rule (404 when it has none)", tag="creator",
       response="refunds.RefundRuleOut")
def get_refund_rule(call: Call, product_id: str) -> dict:
    from chalicelib.errors import NotFound

    rule = _rules().get_rule(call.user_id, product_id)
    if rule is None:
        raise NotFound("this product has no refund rule")
    return _rules().rule_out(rule)


@route(bp, RULE, "PUT", summary="Approve refund requests at once when made within N days of payment by a buyer "
       "who consumed less than X % (others wait for you)", tag="creator", body="refunds.RefundRuleIn",
       response="refunds.RefundRuleOut")
def put_refund_rule(call: Call, product_id: str) -> dict:
    rules = _rules()
    return rules.rule_out(rules.set_rule(call.user_id, product_id, call.body.within_days,
                                         call.body.max_consumed_percent))


@route(bp, RULE, "DELETE", summary="Remove your product's refund rule (every request waits for you)", tag="creator",
       status=204)
def delete_refund_rule(call: Call, product_id: str) -> None:
    _rules().remove_rule(call.user_id, product_id)
