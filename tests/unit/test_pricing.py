"""Catalog rules as pure functions."""

import pytest

from chalicelib.services.catalog.pricing import pricing_problems, publish_problems, type_problems


def fields(problems):
    return [p["loc"][-1] for p in problems]


@pytest.mark.parametrize("state, bad", [
    ({"pricing_type": "fixed", "price_cents": 1000}, []),
    ({"pricing_type": "fixed", "price_cents": 0}, ["price_cents"]),
    ({"pricing_type": "free", "price_cents": 0}, []),
    ({"pricing_type": "free", "price_cents": 100}, ["price_cents"]),
    ({"pricing_type": "pwyw", "price_cents": 500, "min_price_cents": 0}, []),
    ({"pricing_type": "pwyw", "price_cents": 500}, ["min_price_cents"]),
    ({"pricing_type": "pwyw", "price_cents": 100, "min_price_cents": 500}, ["price_cents"]),
    ({"pricing_type": "fixed", "price_cents": 100, "min_price_cents": 50}, ["min_price_cents"]),
    ({"pricing_type": "fixed", "price_cents": 1000, "compare_at_price_cents": 2000}, []),
    ({"pricing_type": "fixed", "price_cents": 1000, "compare_at_price_cents": 1000}, ["compare_at_price_cents"]),
    ({"pricing_type": "free", "price_cents": 0, "compare_at_price_cents": 900}, []),
])
def test_pricing_rules(state, bad):
    assert fields(pricing_problems(state)) == bad


def test_type_specific_fields_belong_to_their_type():
    assert type_problems({"product_type": "ebook", "page_count": 120}) == []
    assert fields(type_problems({"product_type": "course", "page_count": 120, "prompt_count": 5})) == [
        "page_count", "prompt_count"]


def test_publish_needs_a_description_and_valid_pricing():
    assert fields(publish_problems({"product_type": "ebook", "pricing_type": "fixed", "price_cents": 0,
                                    "description": "  "})) == ["price_cents", "description"]
