"""The buyer's library: everything they own, all four product types, most recently used first.

A page costs three DynamoDB calls whatever the library's size or the courses' sizes: one Query on the
grants' `by_activity` local index (newest `last_activity_at` first: granting sets it, progress and quiz
attempts bump it), one BatchGetItem for the products, one BatchGetItem for the course enrollments.
Course progress is derived from the enrollment and the product's current `lesson_ids`, so no outline is read.
A bundle is listed, and so is each of its members, as its own item (`via_bundle`: the bundle a member is held
through). A free-preview learner's course is listed with `access_type: preview` (its row has status `preview`, written
with the preview enrollment). Revoked and suspended grants stay in the index and are skipped, so a page can hold
fewer than `limit` items; the cursor still moves on. An item whose activity changes while paging may move to a
page already read (or be seen twice).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.models import AccessGrant, Enrollment, Product
from chalicelib.services.access.grants import via_bundle
from chalicelib.services.core.pagination import Page, paginate
from chalicelib.services.learning.enrollments import lesson_ids_of, progress_summary

LISTED = ("active", "preview")
CARD_FIELDS = ("product_id", "product_type", "title", "slug", "status", "creator_id", "cover_image_url")


def library(user_id: str, limit: int, cursor: str | None) -> Page:
    page = paginate(lambda **kw: AccessGrant.by_activity.query(user_id, scan_index_forward=False, **kw),
                    f"library|{user_id}", cursor, limit)
    grants = [grant for grant in page.items if grant.status in LISTED]
    products = {p.product_id: p for p in Product.batch_get([g.product_id for g in grants])} if grants else {}
    course_keys = [(user_id, pid) for pid, product in products.items() if product.product_type == "course"]
    enrollments = {e.product_id: e for e in Enrollment.batch_get(course_keys)} if course_keys else {}
    items = [_item(grant, products[grant.product_id], enrollments.get(grant.product_id))
             for grant in grants if grant.product_id in products]
    return replace(page, items=items)


def _item(grant: AccessGrant, product: Product, enrollment: Enrollment | None) -> dict[str, Any]:
    """The product's card and the caller's hold on it; courses add progress (`None` only for a grant that
    predates enrollments: its enrollment is created on the learner's first progress)."""
    access_type = grant.access_type if grant.status == "active" else "preview"
    return {"product": {name: getattr(product, name) for name in CARD_FIELDS}, "access_type": access_type,
            "granted_at": grant.granted_at, "last_activity_at": grant.last_activity_at,
            "via_bundle": via_bundle(grant) if grant.status == "active" else None,
            "progress": progress_summary(enrollment, lesson_ids_of(product)) if enrollment else None}
