"""A user's AI ledger, newest first: every metered call and every credit movement (purchase, refund clawback).

One Query of the ledger's `by_created` index (user, created time, descending) per page. The index projects the
figures only, so a stored model answer (`result`) is never read here, let alone returned.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.models import AiLedgerEntry
from chalicelib.services.core.pagination import Page, paginate


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
            "from_allowance": number(entry.tokens_from_allowance), "from_credits": number(entry.tokens_from_credits),
            "created_at": entry.created_at, "committed_at": entry.committed_at, "released_at": entry.released_at}
