"""Checkout, the buyer's orders, and the Stripe webhook. Services are imported inside views (cold start)."""

from chalice import Blueprint

from chalicelib.api.routing import RAW, Call, page_limit, route

bp = Blueprint(__name__)


@route(bp, "/v1/products/{product_id}/checkout", "POST", summary="Buy a product: free → granted at once (201); "
       "paid → an order and a PaymentIntent client_secret (access arrives with the payment's webhook)",
       tag="commerce", body="commerce.CheckoutCreate", body_required=False, response="commerce.CheckoutOut", status=201,
       errors=(409, 503))
def checkout(call: Call, product_id: str) -> dict:
    from chalicelib.services.commerce import checkout

    body = call.body
    return checkout.checkout(call.user_id, call.identity.email, product_id, body.amount_cents, body.coupon_code)


@route(bp, "/v1/orders", summary="Your orders, newest first", tag="commerce", query="common.PageQuery",
       response="commerce.OrderPage")
def list_orders(call: Call) -> dict:
    from chalicelib.services.commerce import checkout

    return checkout.list_orders(call.user_id, page_limit(call.query.limit), call.query.cursor).to_dict()


@route(bp, "/v1/orders/{order_id}", summary="One of your orders (anyone else's answers 404)", tag="commerce",
       response="commerce.OrderOut")
def get_order(call: Call, order_id: str):
    from chalicelib.services.commerce import checkout

    return checkout.get_order(call.user_id, order_id)


@route(bp, "/v1/orders/{order_id}/cancel", "POST", summary="Cancel your pending order: its PaymentIntent is "
       "cancelled at Stripe, its coupon and its open checkout released (idempotent; 409 once the payment is under "
       "way)", tag="commerce", response="commerce.OrderOut", errors=(409, 503))
def cancel_order(call: Call, order_id: str):
    from chalicelib.services.commerce import checkout

    return checkout.cancel_order(call.user_id, order_id)


@route(bp, "/v1/webhooks/stripe", "POST", summary="Stripe events (signature verified on the raw body; 400 if not)",
       tag="commerce", auth="none", body=RAW, headers=("Stripe-Signature",), response="commerce.WebhookAck",
       errors=(409,))
def stripe_webhook(call: Call) -> dict:
    from chalicelib.services.commerce import webhooks

    request = call.request
    outcome = webhooks.receive(request.raw_body or b"", request.headers.get("stripe-signature", ""))
    return {"is_received": True, "outcome": outcome}
