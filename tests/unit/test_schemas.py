"""Request schemas: strict money, no mass assignment."""

import pytest
from pydantic import ValidationError

from chalicelib.schemas.products import ProductCreate, ProductUpdate

BASE = {"product_type": "ebook", "title": "T", "pricing_type": "fixed", "price_cents": 100}


@pytest.mark.parametrize("extra", [
    {"creator_id": "someone"}, {"status": "published"}, {"total_lessons": 99}, {"has_free_preview": True},
    {"published_at": "2020-01-01T00:00:00Z"}, {"product_id": "prd_x"},
])
def test_server_owned_fields_cannot_be_sent(extra):
    with pytest.raises(ValidationError) as info:
        ProductCreate.model_validate({**BASE, **extra})
    assert info.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("price", [9.99, "999", True, -1, 10**9])
def test_money_is_a_strict_integer_in_range(price):
    with pytest.raises(ValidationError):
        ProductCreate.model_validate({**BASE, "price_cents": price})


def test_product_type_is_fixed_after_creation():
    with pytest.raises(ValidationError):
        ProductUpdate.model_validate({"product_type": "course"})


def test_required_fields_cannot_be_cleared_but_optional_ones_can():
    with pytest.raises(ValidationError):
        ProductUpdate.model_validate({"title": None})
    assert ProductUpdate.model_validate({"compare_at_price_cents": None}).model_dump(exclude_unset=True) == {
        "compare_at_price_cents": None}


@pytest.mark.parametrize("field, value", [("slug", "Bad Slug"), ("slug", "a_b"), ("cover_image_url", "http://x"),
                                          ("currency", "usd"), ("currency", "XXX")])
def test_formats(field, value):
    with pytest.raises(ValidationError):
        ProductCreate.model_validate({**BASE, field: value})
