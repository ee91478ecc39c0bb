"""Schedule (every 5 minutes): send the lifecycle emails still unsent (`services/accounts/emails.py`)."""

from __future__ import annotations

from typing import Any


def send_unsent_mail(event: Any) -> int:
    """How many unsent emails were tried (logged, returned for whoever invokes it by hand)."""
    from chalicelib.observability import logger
    from chalicelib.services.accounts import emails  # here: `import app` stays cheap (cold start)

    tried = emails.sweep()
    logger.info("unsent emails retried", extra={"count": tried})
    return tried
