"""The demo data: every product type, published, and seeding twice changes nothing."""

from chalicelib.services.catalog import explore
from local.resources import create_queues
from local.seed import seed


def test_seed_is_idempotent(aws):
    create_queues()  # the demo announcement goes out through the blast queue
    first, second = seed(), seed()
    assert (first.created, second.created) == (4, 0)
    assert first.product_ids == second.product_ids
    assert set(first.product_ids) == {"course", "prompt_pack", "template", "ebook", "bundle"}
    cards = explore.explore(explore.ExploreQuery(creator="demo-creator"), "demo-buyer").items
    assert len(cards) == 5
    assert {card["product_type"] for card in cards if card["has_access"]} == {"course", "ebook"}  # ebook: a gift
