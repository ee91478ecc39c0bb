"""Identifiers: a type prefix, a millisecond timestamp (so ids sort by creation) and randomness."""

import secrets
import time


def new_id(prefix: str) -> str:
    return f"{prefix}_{int(time.time() * 1000):011x}{secrets.token_hex(6)}"


def is_product_id(ref: str) -> bool:
    """Slugs never contain '_', so a product reference is an id exactly when it has the prefix."""
    return ref.startswith("prd_")
