"""Creator: the creator dashboard, composed from the domains below it; it owns no table and writes nothing.

`GET /v1/creator/dashboard`: the AI allowance and usage by feature (`ai.usage.status`), products by type (one
paginated Query of `products.by_creator`, only `product_type` read, all four types zero-filled), and sales totals,
the 30-day revenue trend and top products per currency (`commerce.sales.creator_sales`). Calls: 2 GetItem +
2 Query + 1 BatchGetItem, the same for 1 or 31 products.

Modules: dashboard.
"""
