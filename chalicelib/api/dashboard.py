"""The creator dashboard. Aggregation lives in `services/creator/dashboard.py` (sales: `commerce/sales.py`); the
links to the detailed reports are added here, where the routes are known."""

from datetime import date

from chalice import Blueprint

from chalicelib.api.routing import Call, route

bp = Blueprint(__name__)

# rel → GET path; `{window}` is the dashboard's window, `{product_id}` is left for the client (a template)
LINKS = (("analytics", "/v1/creator/analytics?{window}"), ("funnel", "/v1/creator/funnel?{window}"),
         ("ai_usage", "/v1/creator/ai/usage/breakdown?{window}"), ("ai_ledger", "/v1/creator/ai/usage"),
         ("product_analytics", "/v1/creator/analytics?{window}&product_id={product_id}"),
         ("product_funnel", "/v1/creator/funnel?{window}&product_id={product_id}"),
         ("course_engagement", "/v1/products/{product_id}/engagement"))


@route(bp, "/v1/creator/dashboard", summary="Your AI allowance and usage, products by type, the last 30 UTC "
       "days of sales per currency (totals, revenue per day, top products) and links to the detailed reports",
       tag="creator", response="dashboard.CreatorDashboard", errors=(403,))
def creator_dashboard(call: Call) -> dict:
    from chalicelib.services.creator import dashboard

    board = dashboard.creator_dashboard(call.user_id)
    return {**board, "links": links(board["window_start"], board["window_end"])}


def links(start: date, end: date) -> list[dict]:
    """Where the figures come from in detail, for the dashboard's window, by day."""
    window = f"from={start.isoformat()}&to={end.isoformat()}&granularity=day"
    return [{"rel": rel, "href": path.replace("{window}", window), "is_template": "{product_id}" in path}
            for rel, path in LINKS]
