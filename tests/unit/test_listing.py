"""Explore fan-out: which facet partitions a published product lands in."""

from chalicelib.services.catalog.listing import card, facet_key, facets, pricing_buckets, sort_price


def state(**over):
    return {"product_id": "prd_1", "creator_id": "alice", "product_type": "course", "pricing_type": "fixed",
            "has_free_preview": False, **over}


def test_pricing_buckets():
    assert pricing_buckets("free", True) == ["free"]
    assert pricing_buckets("fixed", False) == ["paid"]
    assert pricing_buckets("pwyw", True) == ["paid", "freemium"]
    assert pricing_buckets("pwyw", False, 300) == ["paid"]
    assert pricing_buckets("pwyw", False, 0) == ["free", "paid"]  # claimable at 0: free as well as paid
    assert pricing_buckets("pwyw", True, 0) == ["free", "paid", "freemium"]
    assert len(set(facets(state(pricing_type="pwyw", min_price_cents=0)))) == 12


def test_a_paid_product_is_listed_under_every_matching_filter_combination():
    keys = set(facets(state()))
    assert len(keys) == 8
    assert facet_key(None, None, None) in keys
    assert facet_key("course", "paid", "alice") in keys
    assert facet_key(None, "paid", None) in keys
    assert facet_key("ebook", None, None) not in keys
    assert facet_key(None, "free", None) not in keys


def test_freemium_products_are_also_paid():
    keys = set(facets(state(has_free_preview=True)))
    assert len(keys) == 12
    assert facet_key("course", "freemium", None) in keys and facet_key("course", "paid", None) in keys


def test_price_sort_key_orders_numerically():
    assert sort_price(999, "a") < sort_price(1000, "a") < sort_price(100000, "a")


def test_card_keeps_only_public_card_fields():
    c = card(state(description="long", status="published"))
    assert "description" not in c and c["product_id"] == "prd_1"
