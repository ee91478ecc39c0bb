"""Who may use a product: its creator, and holders of an active access grant."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.models import AccessGrant

ACCESS_TYPES = ("purchased", "gifted", "promotional")  # a free checkout is a purchase at 0


def full_access_reason(user_id: str | None, product: dict[str, Any]) -> str | None:
    """`owner`, the active grant's type (purchased | gifted | promotional), or None: one read at most."""
    if user_id is None:
        return None
    if product["creator_id"] == user_id:
        return "owner"
    try:
        grant = AccessGrant.get(user_id, product["product_id"])
    except DoesNotExist:
        return None
    return grant.access_type if grant.status == "active" else None


def has_access(user_id: str | None, product: dict[str, Any]) -> bool:
    return full_access_reason(user_id, product) is not None


def access_map(user_id: str | None, products: list[dict[str, Any]]) -> dict[str, bool]:
    """Access for a page of products in one BatchGetItem (never one call per card)."""
    if user_id is None:
        return {}
    result = {p["product_id"]: True for p in products if p["creator_id"] == user_id}
    keys = [(user_id, p["product_id"]) for p in products if p["product_id"] not in result]
    if keys:
        for grant in AccessGrant.batch_get(keys):
            result[grant.product_id] = grant.status == "active"
    return result


def grant(user_id: str, product: dict[str, Any], access_type: str) -> AccessGrant:
    """Give access once; a repeated grant for the same user and product changes nothing."""
    if access_type not in ACCESS_TYPES:
        raise ValueError(f"unknown access type {access_type}")
    record = AccessGrant(user_id, product["product_id"], creator_id=product["creator_id"], access_type=access_type)
    try:
        record.save(condition=AccessGrant.product_id.does_not_exist())
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        return AccessGrant.get(user_id, product["product_id"])
    return record
