"""Creator analytics: roll-ups by day, week or month. The figures live in `services/analytics`."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

bp = Blueprint(__name__)


@route(bp, "/v1/creator/analytics", summary="Your figures per currency by day, week or month (gross, refunds, "
       "lost disputes, net, orders, free claims, new buyers, disputes), for all products or one", tag="creator",
       query="analytics.AnalyticsQuery", response="analytics.AnalyticsReport", errors=(403,))
def creator_analytics(call: Call) -> dict:
    from chalicelib.services.accounts import users
    from chalicelib.services.analytics import reports
    from chalicelib.services.catalog import products

    users.require_creator(call.user_id)
    query = call.query
    if query.product_id is not None:
        products.get_owned(call.user_id, query.product_id)  # someone else's product: 404
    return reports.series(call.user_id, query.from_date, query.to_date, query.granularity, query.product_id)
