"""Pricing and type rules for a product, as pure functions over its merged state.

They run on every write (a product is never stored inconsistent) and again at publish time.
Violations come back as error details in the API's envelope shape.
"""

from __future__ import annotations

from typing import Any

TYPE_ONLY_FIELDS = {
    "page_count": "ebook",
    "prompt_count": "prompt_pack",
    "template_format": "template",
}


def _detail(field: str, message: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": "rule"}


def pricing_problems(state: dict[str, Any]) -> list[dict[str, Any]]:
    pricing = state["pricing_type"]
    price = state.get("price_cents") or 0
    min_price = state.get("min_price_cents")
    compare_at = state.get("compare_at_price_cents")
    problems = []
    if pricing == "fixed" and price <= 0:
        problems.append(_detail("price_cents", "a fixed-price product needs price_cents > 0"))
    if pricing == "free" and price != 0:
        problems.append(_detail("price_cents", "a free product has price_cents 0"))
    if pricing == "pwyw":
        if min_price is None:
            problems.append(_detail("min_price_cents", "pay-what-you-want needs min_price_cents"))
        elif price < min_price:
            problems.append(_detail("price_cents", "the suggested price cannot be below min_price_cents"))
    elif min_price is not None:
        problems.append(_detail("min_price_cents", "min_price_cents applies only to pay-what-you-want"))
    if compare_at is not None and compare_at <= price:
        problems.append(_detail("compare_at_price_cents", "compare_at_price_cents must be above price_cents"))
    return problems


def type_problems(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _detail(field, f"{field} applies only to {owner} products")
        for field, owner in TYPE_ONLY_FIELDS.items()
        if state.get(field) is not None and state["product_type"] != owner
    ]


def publish_problems(state: dict[str, Any]) -> list[dict[str, Any]]:
    problems = pricing_problems(state) + type_problems(state)
    if not (state.get("description") or "").strip():
        problems.append(_detail("description", "a published product needs a description"))
    if state["product_type"] == "course" and not state.get("total_lessons"):
        problems.append(_detail("total_lessons", "a published course needs at least one lesson (a course "
                                "without lessons could be sold and never completed)"))
    return problems
