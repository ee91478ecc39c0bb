"""Demo data for the local runtime, written through the services so it obeys every catalog rule.

Idempotent: users and creator accounts are create-once, products are looked up by their fixed slug
before being created, and publishing and granting access change nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.errors import NotFound
from chalicelib.models import Product
from chalicelib.services import access, catalog, users


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    email: str
    name: str


CREATOR = DemoUser("demo-creator", "demo-creator@example.com", "Dana Demo")
BUYER = DemoUser("demo-buyer", "demo-buyer@example.com", "Bo Buyer")
CREATOR_BIO = "Indie developer and teacher. Ships small, useful things."

PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "slug": "serverless-python-zero-to-production",
        "product_type": "course",
        "title": "Serverless Python: Zero to Production",
        "description": "Build, test and ship a real API on AWS Lambda with Chalice, DynamoDB and SQS. "
                       "Twelve hands-on modules, from the first handler to blue/green deploys.",
        "pricing_type": "fixed",
        "price_cents": 4900,
        "compare_at_price_cents": 7900,
        "currency": "USD",
        "learning_outcomes": ["Design DynamoDB tables from access patterns",
                              "Test Lambda handlers locally against emulators",
                              "Deploy safely with stages and canaries"],
        "prerequisites": ["Comfortable with Python functions and classes"],
    },
    {
        "slug": "120-prompts-for-product-marketers",
        "product_type": "prompt_pack",
        "title": "120 Prompts for Product Marketers",
        "description": "Battle-tested prompts for positioning, launch emails, landing pages and customer "
                       "interviews, each with an example output and tips to adapt it.",
        "pricing_type": "fixed",
        "price_cents": 1900,
        "currency": "USD",
        "prompt_count": 120,
    },
    {
        "slug": "creator-business-os-notion",
        "product_type": "template",
        "title": "Creator Business OS for Notion",
        "description": "One Notion workspace for your content calendar, product roadmap, sponsors and "
                       "income. Pay what you want; every purchase supports future updates.",
        "pricing_type": "pwyw",
        "price_cents": 1500,
        "min_price_cents": 500,
        "currency": "USD",
        "template_format": "notion",
    },
    {
        "slug": "pricing-playbook-for-creators",
        "product_type": "ebook",
        "title": "The Pricing Playbook for Independent Creators",
        "description": "A short, free guide to pricing digital products: anchors, tiers, "
                       "pay-what-you-want and when to discount.",
        "pricing_type": "free",
        "price_cents": 0,
        "currency": "USD",
        "page_count": 64,
    },
)
GRANTED_TYPE = "course"  # the demo buyer owns the course


@dataclass(frozen=True)
class Seeded:
    creator: DemoUser
    buyer: DemoUser
    product_ids: dict[str, str]  # product_type -> product_id
    buyer_owns: str  # the product type the buyer has access to
    created: int  # products created by this run (0 when everything existed)


def seed() -> Seeded:
    users.open_creator_account(CREATOR.user_id, CREATOR.email, CREATOR.name, CREATOR_BIO)
    users.ensure_user(BUYER.user_id, BUYER.email, BUYER.name)
    product_ids: dict[str, str] = {}
    created = 0
    for spec in PRODUCTS:
        product = _existing(spec["slug"])
        if product is None:
            product = catalog.create_product(CREATOR.user_id, dict(spec))
            created += 1
        product = catalog.publish_product(CREATOR.user_id, product.product_id)
        product_ids[product.product_type] = product.product_id
        if product.product_type == GRANTED_TYPE:
            access.grant(BUYER.user_id, catalog.state_of(product), "promotional")
    return Seeded(CREATOR, BUYER, product_ids, GRANTED_TYPE, created)


def _existing(slug: str) -> Product | None:
    try:
        product, _ = catalog.get_visible(slug, CREATOR.user_id)
    except NotFound:
        return None
    return product
