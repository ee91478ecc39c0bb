"""Schedule (hourly): the AI allowance upkeep (`services.ai.metering.upkeep`): reset the allowances whose reset
date has come and release reservations that outlived their lease."""

from __future__ import annotations

from typing import Any


def reset_ai_allowances(event: Any) -> dict[str, int]:
    """The counts are logged, and returned for whoever invokes it by hand."""
    from chalicelib.services.ai import metering

    return metering.upkeep()
