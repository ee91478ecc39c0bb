"""DynamoDB calls per request on the catalog's read paths, with a small and a large catalog.

The design says no Scan on a request path and a number of calls that does not grow with the catalog.
This seeds moto in-process (`mock_aws`) (the newest products through the catalog service, see `seed`),
then sends real requests to the real app with chalice's test client and counts every DynamoDB API call
each request makes (see `ddb_counter`). Each request is sent twice: the first send may include one-off work (a new
connection, a first-use lookup); the second send is the steady state that is reported and compared.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.bench.ddb_counter import COUNTER, breakdown
from tests.bench.report import ERROR, Row, heading, table, verdict

SIZES = (10, 1_000)
SERVICE_SEEDED = 10  # the newest products of every catalog are written through the catalog service
CREATORS = ("creator-ada", "creator-bo", "creator-cy", "creator-dee")
BUYER = "buyer-eve"
TYPES = ("course", "prompt_pack", "template", "ebook")
PRICINGS = ("fixed", "free", "pwyw")
TEMPLATE_FORMATS = ("notion", "figma", "canva", "sheets", "docs")


def product_fields(i: int) -> dict:
    """Product number i: types and pricing rotate independently, so every (type, pricing) pair occurs."""
    kind, pricing = TYPES[i % len(TYPES)], PRICINGS[i % len(PRICINGS)]
    fields: dict = {"product_type": kind, "pricing_type": pricing, "title": f"{kind.replace('_', ' ').title()} {i}",
                    "description": f"Bench product {i}.", "learning_outcomes": ["one", "two"]}
    if pricing == "fixed":
        fields["price_cents"] = 500 + (i * 37) % 5_000
        if i % 5 == 0:
            fields["compare_at_price_cents"] = fields["price_cents"] + 1_000
    elif pricing == "pwyw":
        fields["min_price_cents"] = 100 * (1 + i % 5)
        fields["price_cents"] = fields["min_price_cents"] + 500
    if kind == "ebook":
        fields["page_count"] = 40 + i % 300
    elif kind == "prompt_pack":
        fields["prompt_count"] = 10 + i % 90
    elif kind == "template":
        fields["template_format"] = TEMPLATE_FORMATS[i % len(TEMPLATE_FORMATS)]
    else:  # course stats are maintained by the course builder; seeded here so the freemium facet is populated
        lessons = 5 + i % 20
        fields.update(total_modules=1 + i % 4, total_lessons=lessons, total_duration_seconds=lessons * 540,
                      has_free_preview=i % 2 == 0, free_preview_lesson_count=2 if i % 2 == 0 else 0)
    return fields


@dataclass
class Catalog:
    size: int
    product_ids: list[str] = field(default_factory=list)  # oldest first
    slugs: dict[str, str] = field(default_factory=dict)
    owned: list[str] = field(default_factory=list)
    seeding: list[tuple[str, int, float, Counter[str]]] = field(default_factory=list)  # (how, items, s, calls)

    @property
    def seed_seconds(self) -> float:
        return sum(seconds for _, _, seconds, _ in self.seeding)

    @contextlib.contextmanager
    def step(self, how: str, items: int) -> Iterator[None]:
        started = time.perf_counter()
        with COUNTER.record() as calls:
            yield
        self.seeding.append((how, items, time.perf_counter() - started, calls))


def seed(size: int) -> Catalog:
    """Creators, `size` published products and some purchases for the buyer.

    The newest SERVICE_SEEDED products go through `create_product` + `publish_product`, first, while the
    tables are small. The older rest is bulk-written (BatchWriteItem) from the same row builders the
    service uses, dated before them: moto 5.2.5's TransactWriteItems deep-copies the whole table once per
    item in the transaction, so publishing 1,000 products through the service is quadratic in moto
    (50 products took 14 s here, and 1,000 ran out of memory). Real DynamoDB has no such cost.
    """
    from chalicelib.services.access import grants
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products

    cat = Catalog(size)
    service_count = min(size, SERVICE_SEEDED)
    bulk_count = size - service_count
    with cat.step("creator accounts (users.open_creator_account)", len(CREATORS)):
        for creator in CREATORS:
            users.open_creator_account(creator, f"{creator}@example.com", creator, None)
    newest = []
    with cat.step("products via products.create_product + publish_product", service_count):
        for i in range(bulk_count, size):
            draft = products.create_product(CREATORS[i % len(CREATORS)], product_fields(i))
            newest.append(products.publish_product(draft.creator_id, draft.product_id))
    with cat.step("older products bulk-written (BatchWriteItem)", bulk_count):
        older = bulk_publish(bulk_count, before=newest[0].published_at)
    published = [*older, *newest]
    cat.product_ids = [p.product_id for p in published]
    cat.slugs = {p.product_id: p.slug for p in published}
    # The buyer owns the three newest products (on the first explore page), the two oldest (not on it)
    # and the newest paid course (on the filtered page).
    newest_paid_course = next(p for p in reversed(published) if p.product_type == "course" and p.pricing_type != "free")
    owned = {p.product_id: p for p in [*published[-3:], *published[:2], newest_paid_course]}
    with cat.step("purchases (grants.grant)", len(owned)):
        for product in owned.values():
            grants.grant(BUYER, products.state_of(product), "purchased")
    cat.owned = list(owned)
    return cat


def bulk_publish(count: int, before: datetime) -> list:
    """Products 0..count-1 as published, one second apart and older than `before`, with their slug and
    explore rows built by the catalog service's own functions (the rows `publish_product` writes)."""
    from chalicelib.models import CatalogListing, Product, ProductSlug
    from chalicelib.services.catalog import products
    from chalicelib.services.core.ids import new_id

    written = []
    with Product.batch_write() as product_batch, ProductSlug.batch_write() as slug_batch, \
            CatalogListing.batch_write() as listing_batch:
        for i in range(count):
            fields = product_fields(i)
            when = before - timedelta(seconds=count - i)
            product = Product(product_id=new_id("prd"), creator_id=CREATORS[i % len(CREATORS)], status="published",
                              slug=products.slugify(fields["title"]), created_at=when, updated_at=when,
                              published_at=when, version=2, **fields)
            product_batch.save(product)
            slug_batch.save(ProductSlug(product.slug, product_id=product.product_id))
            for row in products._listing_rows(products.state_of(product)):
                listing_batch.save(row)
            written.append(product)
    return written


@dataclass(frozen=True)
class Scenario:
    name: str
    user: str | None
    path: Callable[[Catalog], str]


SCENARIOS = (
    Scenario("explore (anonymous)", None, lambda c: "/v1/products"),
    Scenario("explore (buyer)", BUYER, lambda c: "/v1/products"),
    Scenario("explore type=course&pricing=paid (anonymous)", None,
             lambda c: "/v1/products?product_type=course&pricing=paid"),
    Scenario("explore type=course&pricing=paid (buyer)", BUYER,
             lambda c: "/v1/products?product_type=course&pricing=paid"),
    Scenario("detail by id (anonymous)", None, lambda c: f"/v1/products/{c.owned[0]}"),
    Scenario("detail by id (buyer, owned)", BUYER, lambda c: f"/v1/products/{c.owned[0]}"),
    Scenario("detail by slug (anonymous)", None, lambda c: f"/v1/products/{c.slugs[c.owned[0]]}"),
    Scenario("detail by slug (buyer, owned)", BUYER, lambda c: f"/v1/products/{c.slugs[c.owned[0]]}"),
)


@dataclass
class Measured:
    status: int
    summary: str  # what came back: items on the page, or whether the viewer has access
    first: Counter[str]
    steady: Counter[str]


def measure(client, cat: Catalog, idp) -> dict[str, Measured]:
    tokens = {BUYER: idp.mint(BUYER, email=f"{BUYER}@example.com", name="Eve")}
    results = {}
    for scenario in SCENARIOS:
        headers = {"Authorization": f"Bearer {tokens[scenario.user]}"} if scenario.user else {}
        sends = []
        for _ in range(2):
            with COUNTER.record() as calls:
                response = client.http.get(scenario.path(cat), headers=headers)
            sends.append(calls)
        body = json.loads(response.body or b"{}")
        if response.status_code != 200:
            summary = f"HTTP {response.status_code}: {body.get('error', {}).get('code')}"
        elif "items" in body:
            owned = sum(card["has_access"] for card in body["items"])
            summary = f"{len(body['items'])} cards, {owned} owned"
        else:
            summary = f"has_access={body['has_access']}"
        results[scenario.name] = Measured(response.status_code, summary, *sends)
    return results


def run() -> list[Row]:
    from chalice.test import Client
    from moto import mock_aws

    import tests.conftest as test_env  # sets the test environment; chalicelib and app are imported after it

    print(heading("DynamoDB calls per request (moto in-process, chalice test client, real app)"))
    print("  counted with a botocore `before-call.dynamodb` hook on every client; steady state = 2nd send")
    measured: dict[int, dict[str, Measured]] = {}
    catalogs: dict[int, Catalog] = {}
    scans = Counter()
    for size in SIZES:
        with mock_aws():
            from local.resources import create_tables  # imports chalicelib.models: only after tests.conftest

            create_tables()
            cat = catalogs[size] = seed(size)
            from app import app

            with Client(app) as client, COUNTER.record() as during_requests:
                measured[size] = measure(client, cat, test_env.IDP)
            scans[size] = during_requests["Scan"]
        print(f"\n  seeded {size:,} products ({len(CREATORS)} creators, {len(cat.owned)} owned by {BUYER}) "
              f"in {cat.seed_seconds:.1f} s:")
        print(table(["step", "items", "time", "DynamoDB calls"],
                    [[how, f"{items:,}", f"{seconds:.2f} s", breakdown(calls)]
                     for how, items, seconds, calls in cat.seeding if items], indent="    "))

    small, large = SIZES
    rows = []
    table_rows = []
    first_sends = []
    for scenario in SCENARIOS:
        a, b = measured[small][scenario.name], measured[large][scenario.name]
        ok = a.status == b.status == 200
        same = a.steady == b.steady
        table_rows.append([scenario.name, breakdown(a.steady), breakdown(b.steady),
                           ("yes" if same else "NO") if ok else "n/a", f"{a.summary} | {b.summary}"])
        rows.append(Row("dynamodb", scenario.name, breakdown(b.steady) if same else
                        f"{breakdown(a.steady)} -> {breakdown(b.steady)}",
                        f"same for {small:,} and {large:,}", verdict(same) if ok else ERROR))
        first_sends += [f"{scenario.name} ({size:,}): first send {breakdown(m.first)}"
                        for size, m in ((small, a), (large, b)) if m.first != m.steady]
    print()
    print(table(["request", f"{small:,} products", f"{large:,} products", "equal", "response (10 | 1,000)"],
                table_rows))
    print("\n  first send of each request: " + ("same calls as the steady state" if not first_sends else
                                                "differs:\n    " + "\n    ".join(first_sends)))
    total_scans = sum(scans.values())
    all_equal = all(row.check == "PASS" for row in rows)
    print(f"\n  calls equal for {small:,} and {large:,} products on every request: {'yes' if all_equal else 'NO'}")
    print(f"  Scan calls during requests: {total_scans} "
          f"({', '.join(f'{size:,} products: {count}' for size, count in scans.items())})")
    if COUNTER.total_seen == 0:
        print("  WARNING: the counting hook saw no DynamoDB call at all; it was installed too late")
    rows.append(Row("dynamodb", "Scan calls on request paths", str(total_scans), "0", verdict(total_scans == 0)))
    rows.append(Row("dynamodb", f"seed {large:,} products ({SERVICE_SEEDED} via service, rest bulk)",
                    f"{catalogs[large].seed_seconds:.1f} s"))
    return rows
