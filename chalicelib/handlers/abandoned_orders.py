"""Schedule (every 15 minutes): abandon stale pending orders (`services/commerce/abandonment.py`)."""

from __future__ import annotations

from typing import Any


def abandon_stale_orders(event: Any) -> list[str]:
    """The ids of the orders abandoned (logged as a count, returned for whoever invokes it by hand)."""
    from chalicelib.observability import logger
    from chalicelib.services.commerce import abandonment  # here: `import app` stays cheap (cold start)

    changed = abandonment.sweep()
    logger.info("abandoned stale pending orders", extra={"count": len(changed)})
    return changed

