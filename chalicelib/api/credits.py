"""AI credit packs bought with Stripe, and the caller's AI usage ledger. Services are imported inside views.

Credits arrive with the payment's verified webhook (`POST /v1/webhooks/stripe`), never with the checkout.
"""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

bp = Blueprint(__name__)


@route(bp, "/v1/ai/credit-packs", summary="The AI credit packs on sale: tokens and price", tag="ai", auth="none",
       response="credits.CreditPackList")
def list_packs(call: Call) -> dict:
    from chalicelib.services.commerce import credit_packs

    return {"items": credit_packs.packs()}


@route(bp, "/v1/ai/credit-packs/{pack_id}/checkout", "POST", summary="Buy a credit pack: a pending purchase and a "
       "PaymentIntent client_secret (the tokens arrive with the payment's webhook); the same Idempotency-Key "
       "returns the same purchase", tag="ai", response="credits.CreditCheckoutOut", status=201, idempotent=True,
       errors=(503,))
def checkout(call: Call, pack_id: str) -> dict:
    from chalicelib.services.commerce import credit_packs

    identity = call.identity
    return credit_packs.checkout(call.user_id, identity.email, identity.name, pack_id, call.idempotency_key)


@route(bp, "/v1/ai/credit-purchases/{purchase_id}", summary="One of your credit purchases (anyone else's answers "
       "404)", tag="ai", response="credits.CreditPurchaseOut")
def get_purchase(call: Call, purchase_id: str):
    from chalicelib.services.commerce import credit_packs

    return credit_packs.get_purchase(call.user_id, purchase_id)


@route(bp, "/v1/creator/ai/usage", summary="Your AI ledger, newest first: every AI call (feature, model, tokens "
       "from the allowance and from credits) and every credit purchase or clawback", tag="ai",
       query="common.PageQuery", response="credits.AiUsagePage", errors=(403,))
def usage(call: Call) -> dict:
    from chalicelib.services.ai.usage import ledger_page

    return ledger_page(call.user_id, page_limit(call.query.limit), call.query.cursor).to_dict()


@route(bp, "/v1/creator/ai/usage/breakdown", summary="Your AI usage by feature and day, week or month: tokens, calls "
       "and the cost saved (what buying those tokens would have cost)", tag="ai",
       query="analytics.DateRangeQuery", response="credits.AiUsageBreakdown", errors=(403,))
def usage_breakdown(call: Call) -> dict:
    from chalicelib.services.accounts import users
    from chalicelib.services.ai.usage import breakdown

    users.require_creator(call.user_id)
    query = call.query
    return breakdown(call.user_id, query.from_date, query.to_date, query.granularity)
