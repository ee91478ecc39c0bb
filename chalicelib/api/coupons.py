"""The creator's coupon codes. Redemption happens inside checkout (`services/commerce/coupons.reserve`)."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)


@route(bp, "/v1/creator/coupons", "POST", summary="Create a coupon code for one or all of your products",
       tag="creator", body="coupons.CouponCreate", response="coupons.CouponOut", status=201, errors=(403, 409))
def create_coupon(call: Call):
    from chalicelib.services.accounts import users
    from chalicelib.services.commerce import coupons

    users.require_creator(call.user_id)
    return coupons.create_coupon(call.user_id, call.body.model_dump(exclude_unset=True))


@route(bp, "/v1/creator/coupons", summary="Your coupon codes with their redemption counts", tag="creator",
       query="common.PageQuery", response="coupons.CouponPage")
def list_coupons(call: Call) -> dict:
    from chalicelib.services.commerce import coupons

    page = coupons.list_coupons(call.user_id, page_limit(call.query.limit), call.query.cursor)
    return page.to_dict()


@route(bp, "/v1/creator/coupons/{code}/deactivate", "POST", summary="Deactivate one of your coupon codes",
       tag="creator", response="coupons.CouponOut")
def deactivate_coupon(call: Call, code: str):
    from chalicelib.services.commerce import coupons

    return coupons.deactivate(call.user_id, code)
