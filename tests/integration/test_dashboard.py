"""The creator dashboard through the API: AI allowance and usage, products by type, and the sales figures of
`services/sales.py` per currency — in a fixed number of DynamoDB calls whatever the catalog and order volume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.emulator import count_calls
from tests.support.orders import make_order


def test_dashboard_shape_and_figures(api, monkeypatch):
    from chalicelib.integrations.ai.offline import OfflineModel
    from chalicelib.services.ai import credits

    monkeypatch.setattr("chalicelib.services.ai.tools.provider", lambda: OfflineModel())
    api.creator("alice")
    book = api.published("alice", title="The Book")["product_id"]
    api.product("alice", title="A draft book")
    pack = api.published("alice", title="The Pack", product_type="prompt_pack", prompt_count=10,
                         price_cents=2000)["product_id"]
    api.product("alice", product_type="course", title="A course", price_cents=4900)
    api.product("alice", product_type="template", template_format="notion", title="A template", price_cents=900)
    make_order(api, product_id=book, paid_days_ago=0.001)
    make_order(api, product_id=book, status="refunded", refunded_cents=1500, paid_days_ago=2)
    make_order(api, product_id=pack, amount_cents=2000, fee_cents=100, paid_days_ago=3)
    make_order(api, product_id=pack, currency="EUR", amount_cents=900, fee_cents=45)
    make_order(api, creator="carol", buyer="dave", amount_cents=99_999)  # someone else's sale
    described = api.call("POST", f"/v1/products/{book}/ai/description", "alice", {})
    assert described.status_code == 200
    used = described.json["usage"]["total_tokens"]
    credits.add_credits("alice", 5_000, reference="pack-1")

    response = api.call("GET", "/v1/creator/dashboard", "alice")
    assert response.status_code == 200, response.json
    board = response.json
    today = datetime.now(UTC).date()
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert board["ai_allowance"] == {"tier": "starter", "total_tokens": 1_000_000, "used_tokens": used,
                                     "reserved_tokens": 0, "remaining_tokens": 1_000_000 - used,
                                     "resets_at": f"{first_of_next_month.isoformat()}T00:00:00Z",
                                     "credit_balance_tokens": 5_000}
    assert board["ai_usage_by_feature"] == {"description": used}
    assert board["products_by_type"] == {"course": 1, "prompt_pack": 1, "template": 1, "ebook": 2}
    assert (board["window_start"], board["window_end"]) == ((today - timedelta(days=29)).isoformat(),
                                                            today.isoformat())
    blocks = {block["currency"]: block for block in board["currencies"]}
    assert [block["currency"] for block in board["currencies"]] == ["EUR", "USD"]
    assert set(blocks["USD"]) == {"currency", "totals", "daily", "top_products"}
    assert blocks["USD"]["totals"] == {"orders": 3, "gross_cents": 5000, "refunds_cents": 1500,
                                       "fees_cents": 250, "net_cents": 3250, "refunded_orders": 1,
                                       "partially_refunded_orders": 0, "disputed_orders": 0}
    assert blocks["EUR"]["totals"]["net_cents"] == 855
    usd_trend = blocks["USD"]["daily"]
    assert len(usd_trend) == 30 and usd_trend[-1]["date"] == today.isoformat()
    assert sum(day["net_cents"] for day in usd_trend) == 3250
    assert [(p["product_id"], p["title"], p["net_cents"]) for p in blocks["USD"]["top_products"]] == [
        (pack, "The Pack", 1900), (book, "The Book", 1350)]

    sales = api.call("GET", "/v1/creator/sales", "alice").json  # the same figures as the sales report
    usd = next(block for block in sales["currencies"] if block["currency"] == "USD")
    assert blocks["USD"]["totals"] == usd["totals"] and usd_trend == usd["daily"]


def test_a_new_creator_sees_an_empty_dashboard(api):
    api.creator("erin")
    board = api.call("GET", "/v1/creator/dashboard", "erin").json
    assert board["ai_allowance"]["used_tokens"] == 0 and board["ai_allowance"]["remaining_tokens"] == 1_000_000
    assert board["ai_usage_by_feature"] == {} and board["products_by_type"] == {
        "course": 0, "prompt_pack": 0, "template": 0, "ebook": 0}
    assert board["currencies"] == []


def test_dashboard_reads_do_not_grow_with_products_or_orders(api):
    from chalicelib.services.catalog import products
    from chalicelib.services.creator import dashboard

    api.creator("alice")
    book = api.published("alice")["product_id"]
    make_order(api, product_id=book)
    dashboard.creator_dashboard("alice")  # the allowance is initialized on first use (a write, once)

    def calls() -> dict[str, int]:
        with count_calls() as counted:
            dashboard.creator_dashboard("alice")
        return dict(counted)

    small = calls()
    for n in range(30):
        product = products.create_product("alice", {"product_type": "ebook", "title": f"Book {n}", "description": "d",
                                                   "pricing_type": "fixed", "price_cents": 1000 + n})
        make_order(api, product_id=product.product_id, amount_cents=1000 + n)
    large = calls()
    assert small == large == {"GetItem": 2, "Query": 2, "BatchGetItem": 1}, (small, large)


def test_the_dashboard_links_to_every_detailed_report_and_each_link_answers(api):
    """Every link, its `{product_id}` filled with one of the creator's products (a course for engagement), is a route
    the creator may GET, for the dashboard's window."""
    api.creator("alice")
    course = api.published("alice", product_type="course", title="A course", price_cents=4900)["product_id"]
    board = api.call("GET", "/v1/creator/dashboard", "alice").json
    links = {link["rel"]: link for link in board["links"]}
    assert set(links) == {"analytics", "funnel", "ai_usage", "ai_ledger", "product_analytics", "product_funnel",
                          "course_engagement"}
    window = f"from={board['window_start']}&to={board['window_end']}"
    assert window in links["analytics"]["href"] and window in links["funnel"]["href"]
    for link in links.values():
        assert link["is_template"] == ("{product_id}" in link["href"]), link
        response = api.call("GET", link["href"].replace("{product_id}", course), "alice")
        assert response.status_code == 200, (link, response.json)
    engagement = api.call("GET", links["course_engagement"]["href"].replace("{product_id}", course), "alice").json
    assert engagement["product_id"] == course
    assert api.call("GET", links["funnel"]["href"], "alice").json["from_date"] == board["window_start"]
