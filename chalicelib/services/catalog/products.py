"""Products: the creator's writes (draft → published → archived) and the reads of one product.

Each write is one transaction with the product's slug and explore rows, so they never disagree.
"""

from __future__ import annotations

import re
from secrets import token_hex
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import AccessGrant, CatalogListing, Product, ProductSlug
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.catalog import bundles, listing, ratings
from chalicelib.services.catalog.pricing import pricing_problems, publish_problems, type_problems
from chalicelib.services.core.db import condition_failed, lost_race, retry_on_conflict, transaction
from chalicelib.services.core.ids import is_product_id, new_id
from chalicelib.services.core.pagination import Page, paginate
from chalicelib.services.payouts import accounts as payout_accounts


def state_of(product: Product) -> dict[str, Any]:
    return dict(product.attribute_values)


def _check(state: dict[str, Any], rules=(pricing_problems, type_problems, bundles.problems)) -> None:
    problems = [problem for rule in rules for problem in rule(state)]
    if state["product_type"] == "bundle" and publish_problems in rules:  # published: 2–20 members, each read
        problems += (bundles.problems(state | {"status": "published"})
                     or bundles.member_problems(state, bundles.member_states(state)))
    if problems:
        raise InvalidInput("the product breaks a catalog rule", problems)


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-")
    return slug or "product"


# --- creator writes -------------------------------------------------------------------------------


def create_product(creator_id: str, fields: dict[str, Any]) -> Product:
    """Create a draft. An explicit slug must be free (409); a derived one gets a suffix if needed."""
    explicit_slug = fields.pop("slug", None)
    product = Product(product_id=new_id("prd"), creator_id=creator_id, status="draft", **fields)
    _check(state_of(product) | {"slug": explicit_slug})
    candidates = [explicit_slug] if explicit_slug else _slug_candidates(slugify(product.title))
    for slug in candidates:
        product.slug = slug
        try:
            with transaction() as tx:
                tx.save(product, condition=Product.product_id.does_not_exist())
                tx.save(ProductSlug(slug, product_id=product.product_id), condition=ProductSlug.slug.does_not_exist())
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            continue
        return get_owned(creator_id, product.product_id)
    raise Conflict(f"slug '{explicit_slug}' is already taken" if explicit_slug else "could not allocate a slug")


def _slug_candidates(base: str) -> list[str]:
    return [base, *(f"{base}-{token_hex(3)}" for _ in range(4))]


def get_owned(creator_id: str, product_id: str) -> Product:
    """The creator's own product; anybody else's answers 404, exactly like a missing one."""
    try:
        product = Product.get(product_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("product not found") from None
    if product.creator_id != creator_id:
        raise NotFound("product not found")
    return product


def update_product(creator_id: str, product_id: str, changes: dict[str, Any]) -> Product:
    product = get_owned(creator_id, product_id)
    if product.status == "archived":
        raise Conflict("archived products cannot be edited; restore is not supported")
    before = state_of(product)
    new_slug = changes.pop("slug", None)
    for name, value in changes.items():
        setattr(product, name, value)
    if new_slug and new_slug != product.slug:
        product.slug = new_slug
    product.updated_at = utcnow()
    after = state_of(product)
    _check(after)
    if product.status == "published":
        _check(after, rules=(publish_problems,))
        if before["pricing_type"] == "free" and after["pricing_type"] != "free":
            payout_accounts.require_ready_to_sell(creator_id)
    _commit(product, before, after)
    return get_owned(creator_id, product_id)


def publish_product(creator_id: str, product_id: str) -> Product:
    product = get_owned(creator_id, product_id)
    if product.status == "published":
        return product
    if product.status == "archived":
        raise Conflict("archived products cannot be published again")
    before = state_of(product)
    _check(before, rules=(publish_problems,))
    if before["pricing_type"] != "free":  # connect mode: a paid product needs an account that accepts charges
        payout_accounts.require_ready_to_sell(creator_id)
    product.status = "published"
    product.published_at = product.published_at or utcnow()
    product.updated_at = utcnow()
    _commit(product, before, state_of(product))
    return get_owned(creator_id, product_id)


def archive_product(creator_id: str, product_id: str) -> Product:
    """Hide from explore and new sales; owners keep their access. A member of a published bundle: 409."""
    product = get_owned(creator_id, product_id)
    if product.status == "archived":
        return product
    bundles.guard(state_of(product))
    before = state_of(product)
    product.status = "archived"
    product.archived_at = product.updated_at = utcnow()
    _commit(product, before, state_of(product))
    return get_owned(creator_id, product_id)


STATS_ATTEMPTS = 5
COURSE_STATS = ("total_lessons", "total_modules", "total_duration_seconds", "has_free_preview",
                "free_preview_lesson_count")


def update_course_stats(product_id: str, stats: dict[str, Any], content_version: int,
                        lesson_ids: set[str]) -> Product | None:
    """Store the course builder's recomputed stats; explore rows follow (freemium depends on them).

    A recomputation from an older `content_version` than the stored one is dropped, and a lost race on
    the product's version is retried, so the newest content always wins.
    """
    unknown = set(stats) - set(COURSE_STATS)
    if unknown:
        raise ValueError(f"not course stats: {sorted(unknown)}")
    for _ in retry_on_conflict(STATS_ATTEMPTS, 0.01, _changed_meanwhile):
        product = Product.get(product_id, consistent_read=True)
        if content_version and product.stats_content_version >= content_version:
            return product
        before = state_of(product)
        for name, value in stats.items():
            setattr(product, name, value)
        product.lesson_ids = set(lesson_ids) or None
        product.stats_content_version = content_version
        product.updated_at = utcnow()
        try:
            _commit(product, before, state_of(product))
        except Conflict:
            continue
        return product


def delete_product(creator_id: str, product_id: str) -> None:
    """Only a draft nobody ever had access to may be deleted; anything else must be archived."""
    product = get_owned(creator_id, product_id)
    if product.status != "draft" or product.published_at is not None:
        raise Conflict("only never-published drafts can be deleted; archive it instead")
    bundles.guard(state_of(product))
    if next(iter(AccessGrant.by_product.query(product_id, limit=1)), None) is not None:
        raise Conflict("someone has access to this product; archive it instead")
    with transaction() as tx:
        tx.delete(product)
        tx.delete(ProductSlug(product.slug), condition=ProductSlug.product_id == product_id)


def _listing_rows(state: dict[str, Any]) -> list[CatalogListing]:
    if state["status"] != "published":
        return []
    published = state["published_at"].isoformat()
    card = listing.card(state)
    return [
        CatalogListing(
            facet,
            listing.sort_new(published, state["product_id"]),
            sort_price=listing.sort_price(state["price_cents"], state["product_id"]),
            sort_rating=ratings.sort_rating(state), rating_version=int(state.get("version") or 0),
            product_id=state["product_id"],
            card=card,
        )
        for facet in listing.facets(state)
    ]


def _commit(product: Product, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Write the product, its slug and its explore rows atomically, guarded by the version."""
    old_rows = {(row.facet, row.sort_new) for row in _listing_rows(before)}
    new_rows = _listing_rows(after)
    stale = old_rows - {(row.facet, row.sort_new) for row in new_rows}
    try:
        with transaction() as tx:
            tx.save(product)
            for facet, sort_key in stale:
                tx.delete(CatalogListing(facet, sort_key))
            for row in new_rows:
                tx.save(row)
            bundles.write_memberships(tx, before, after)
            if after["slug"] != before["slug"]:
                tx.save(ProductSlug(after["slug"], product_id=product.product_id),
                        condition=ProductSlug.slug.does_not_exist())
                tx.delete(ProductSlug(before["slug"]), condition=ProductSlug.product_id == product.product_id)
    except (TransactWriteError, PutError, UpdateError) as exc:
        if not lost_race(exc):
            raise
        if after["slug"] != before["slug"]:
            raise Conflict(f"slug '{after['slug']}' is taken, or the product changed meanwhile") from exc
        raise _changed_meanwhile() from exc


def _changed_meanwhile() -> Conflict:
    return Conflict("the product changed meanwhile; reload and retry")


def list_creator_products(creator_id: str, limit: int, cursor: str | None) -> Page:
    return paginate(lambda **page: Product.by_creator.query(creator_id, scan_index_forward=False, **page),
                    f"creator-products|{creator_id}", cursor, limit)


# --- public reads ---------------------------------------------------------------------------------


def get_visible(ref: str, viewer_id: str | None) -> tuple[Product, str | None]:
    """A product by id or slug, with the viewer's full-access reason (owner | purchased | gifted | promotional).

    Drafts are visible to their owner only; archived products to their owner and to holders of access.
    Anyone else gets 404. Two reads at most for the product, one for the access check.
    """
    product_id = ref if is_product_id(ref) else _product_id_for_slug(ref)
    try:
        product = Product.get(product_id)
    except DoesNotExist:
        raise NotFound("product not found") from None
    reason = grants.full_access_reason(viewer_id, state_of(product))
    if product.status == "draft" and product.creator_id != viewer_id:
        raise NotFound("product not found")
    if product.status == "archived" and reason is None:
        raise NotFound("product not found")
    return product, reason


def _product_id_for_slug(slug: str) -> str:
    try:
        return ProductSlug.get(slug).product_id
    except DoesNotExist:
        raise NotFound("product not found") from None
