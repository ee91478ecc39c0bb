"""The creator dashboard. Aggregation lives in `services/creator/dashboard.py` (sales: `commerce/sales.py`)."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

bp = Blueprint(__name__)


@route(bp, "/v1/creator/dashboard", summary="Your AI allowance and usage, products by type, and the last 30 UTC "
       "days of sales per currency: totals, revenue per day, top products", tag="creator",
       response="dashboard.CreatorDashboard", errors=(403,))
def creator_dashboard(call: Call) -> dict:
    from chalicelib.services.creator import dashboard

    return dashboard.creator_dashboard(call.user_id)
