"""Creator sales data for the dashboard. Aggregation lives in `services/commerce/sales.py`."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

bp = Blueprint(__name__)


@route(bp, "/v1/creator/sales", summary="Your sales over the last 30 UTC days, per currency: totals (gross, refunds, "
       "fees, net), revenue per day, orders per product, top 5 products by net (any period or granularity: "
       "/v1/creator/analytics)", tag="creator", query="common.StrictQuery", response="sales.SalesReport")
def creator_sales(call: Call) -> dict:
    from chalicelib.services.commerce import sales

    return sales.creator_sales(call.user_id)
