"""Schedule (hourly): reset the AI allowances whose reset date has come and release reservations that outlived
their lease.

Due accounts are found through the `allowance_resets` index (one Query per shard, `reset_date <= now`), stale
reservations through the ledger's sparse `in_flight` index: never a Scan. Each reset is conditional on the date it
read, so a second run (or a call that reset its own account first) changes nothing. Hourly, because a creator's
own AI call resets a due account anyway: the schedule keeps the dashboard and the index current for the others.
"""

from __future__ import annotations

from typing import Any


def reset_ai_allowances(event: Any) -> dict[str, int]:
    """The counts are logged, and returned for whoever invokes it by hand."""
    from chalicelib.observability import logger
    from chalicelib.services.ai import allowance

    counts = {"reset": allowance.reset_due(), "stale_reservations_released": allowance.release_stale()}
    logger.info("AI allowances reset", extra=counts)
    return counts
