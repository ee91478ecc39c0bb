"""Bundles: a product of type `bundle` selling 2–20 of its creator's own published products as one.

Rules (checked on every write, `problems`; and at publish with the members read, `member_problems`): members are
the creator's own published products, no bundles, no repeats, in the bundle's currency. A published bundle's
members each have a `BundleMembership` row written with the bundle's explore rows, and its transaction checks that
each member is still published and bumps the member's `version`, so a concurrent archive of a member re-reads and
finds the membership (`guard`: 409 naming the bundle) — a published bundle never holds an unpublished member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.models import BundleMembership, Product
from chalicelib.services.catalog.errors import MemberOfBundle
from chalicelib.services.catalog.ratings import bump

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

MIN_MEMBERS, MAX_MEMBERS = 2, 20
MEMBER_CARD = ("product_id", "slug", "title", "product_type", "pricing_type", "price_cents", "currency",
               "cover_image_url", "status")


def _detail(message: str) -> dict[str, Any]:
    return {"loc": ["body", "bundle_product_ids"], "msg": message, "type": "rule"}


def problems(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The member list's own rules (no reads): only bundles have one; 2–20 distinct products, itself excluded."""
    members = state.get("bundle_product_ids")
    if state["product_type"] != "bundle":
        return [_detail("bundle_product_ids applies only to bundles")] if members else []
    members = list(members or [])
    if (state.get("status") == "published" or members) and not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        return [_detail(f"a bundle holds {MIN_MEMBERS}–{MAX_MEMBERS} products")]
    if len(set(members)) != len(members) or state["product_id"] in members:
        return [_detail("a bundle lists each product once, and never itself")]
    return []


def member_states(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The members' current rows, in the bundle's order (one BatchGetItem; members deleted since are left out)."""
    ids = list(state.get("bundle_product_ids") or [])
    found = {p.product_id: dict(p.attribute_values) for p in Product.batch_get(ids)} if ids else {}
    return [found[pid] for pid in ids if pid in found]


def member_problems(state: dict[str, Any], members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Publishing or editing a published bundle: every member exists, is the creator's, published, not a bundle,
    and in the bundle's currency."""
    by_id = {m["product_id"]: m for m in members}
    wrong = []
    for pid in state.get("bundle_product_ids") or []:
        member = by_id.get(pid)
        if member is None or member["creator_id"] != state["creator_id"]:
            wrong.append(_detail(f"{pid} is not one of your products"))
        elif member["product_type"] == "bundle":
            wrong.append(_detail(f"{pid} is a bundle; bundles hold products, not bundles"))
        elif member["status"] != "published":
            wrong.append(_detail(f"{pid} is not published"))
        elif member["currency"] != state["currency"]:
            wrong.append(_detail(f"{pid} is sold in {member['currency']}, the bundle in {state['currency']}"))
    return wrong


def pricing(state: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    """What the detail page shows: the members' cards, the sum of their current prices and the saving."""
    total = sum(int(m["price_cents"]) for m in members)
    return {"members": [{name: m.get(name) for name in MEMBER_CARD} for m in members],
            "members_price_cents": total, "saving_cents": max(0, total - int(state.get("price_cents") or 0))}


def memberships(state: dict[str, Any]) -> list[BundleMembership]:
    if state["product_type"] != "bundle" or state["status"] != "published":
        return []
    return [BundleMembership(pid, state["product_id"], bundle_title=state["title"])
            for pid in state.get("bundle_product_ids") or []]


def write_memberships(tx: TransactWrite, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Inside the bundle's transaction: its membership rows follow its state, and each member of a published
    bundle must still be published (its `version` bumped, so a concurrent archive of it re-reads)."""
    new = {row.member_id: row for row in memberships(after)}
    for member_id in {row.member_id for row in memberships(before)} - set(new):
        tx.delete(BundleMembership(member_id, before["product_id"]))
    for member_id, row in new.items():
        tx.save(row)
        tx.update(bump(member_id), actions=[Product.status.set("published")], condition=Product.status == "published",
                  add_version_condition=False)


def guard(state: dict[str, Any]) -> None:
    """A product in a published bundle cannot be archived or deleted (409 naming the bundle): one Query."""
    for row in BundleMembership.query(state["product_id"], limit=1, consistent_read=True):
        raise MemberOfBundle(f"this product is in the published bundle '{row.bundle_title}'; archive the bundle "
                             "first", [{"bundle_id": row.bundle_id, "title": row.bundle_title}])

