"""What a user has of AI and has used: the allowance now (`status`) and the ledger, newest first.

`status` costs two GetItems (plus a write on first use or when the period is due). The ledger is one Query of the
`by_created` index (user, created time, descending) per page; the index projects the figures only, so a stored
model answer (`result`) is never read here, let alone returned.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.models import AiLedgerEntry
from chalicelib.models.base import utcnow
from chalicelib.services.ai import credits, periods
from chalicelib.services.core.pagination import Page, paginate


def status(user_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The caller's allowance for the current period (403 without a creator account)."""
    account = periods.current(user_id, now or utcnow())
    cap = account.ai_allowance_tokens
    return {
        "tier": account.ai_allowance_tier,
        "total_tokens": None if cap is None else int(cap),
        "used_tokens": int(account.ai_tokens_used),
        "reserved_tokens": int(account.ai_tokens_reserved),
        "remaining_tokens": None if cap is None else max(0, int(cap) - int(account.ai_tokens_held)),
        "resets_at": account.ai_allowance_reset_date,
        "credit_balance_tokens": credits.balance(user_id),
        "usage_by_feature": {name: int(tokens) for name, tokens in account.ai_usage_by_feature.as_dict().items()},
    }


def ledger_page(user_id: str, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
    """One page of the caller's ledger; the cursor is signed and bound to the caller (another's answers 400)."""
    page = paginate(lambda **kw: AiLedgerEntry.by_created.query(user_id, scan_index_forward=False, **kw),
                    f"ai-usage|{user_id}", cursor, limit)
    return replace(page, items=[_row(entry) for entry in page.items])


def _row(entry: AiLedgerEntry) -> dict[str, Any]:
    def number(value: Any) -> int | None:
        return None if value is None else int(value)

    return {"kind": entry.kind, "request_id": entry.request_id, "reference": entry.reference,
            "feature": entry.feature, "model": entry.model, "status": entry.status,
            "reserved_tokens": number(entry.reserved_tokens), "tokens": number(entry.tokens_total),
            "allowance_tokens": number(entry.tokens_from_allowance), "credit_tokens": number(entry.tokens_from_credits),
            "created_at": entry.created_at, "committed_at": entry.committed_at, "released_at": entry.released_at}
