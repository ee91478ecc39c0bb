"""What the AI ledger says about an account's current period, to check it against the account's counters."""

from __future__ import annotations

from collections import Counter
from typing import Any


def account_view(user_id: str) -> dict[str, Any]:
    """The account's allowance counters (consistent read)."""
    from chalicelib.models import CreatorAccount

    account = CreatorAccount.get(user_id, consistent_read=True)
    return {"period_end": account.ai_allowance_reset_date, "tokens": account.ai_allowance_tokens,
            "used": int(account.ai_tokens_used), "reserved": int(account.ai_tokens_reserved),
            "held": int(account.ai_tokens_held),
            "by_feature": {name: int(n) for name, n in account.ai_usage_by_feature.as_dict().items() if n}}


def ledger_view(user_id: str, period_end) -> dict[str, Any]:
    """Sums over the user's call rows of the period ending at `period_end` (one Query of the user's partition)."""
    from chalicelib.models import AiLedgerEntry

    used = reserved = 0
    by_feature: Counter[str] = Counter()
    for row in AiLedgerEntry.query(user_id, AiLedgerEntry.sk.startswith("R#"), consistent_read=True):
        if row.period_end != period_end:
            continue
        if row.status == "committed":
            used += int(row.tokens_from_allowance)
            if row.tokens_total:
                by_feature[row.feature] += int(row.tokens_total)
        elif row.status == "reserved":
            reserved += int(row.reserved_from_allowance)
    return {"used": used, "reserved": reserved, "by_feature": dict(by_feature)}


def assert_ledger_matches_account(user_id: str) -> dict[str, Any]:
    """Σ committed allowance tokens = used, Σ reserved = reserved, per-feature sums = the counters, held = both."""
    account = account_view(user_id)
    ledger = ledger_view(user_id, account["period_end"])
    assert (account["used"], account["reserved"], account["by_feature"]) == (
        ledger["used"], ledger["reserved"], ledger["by_feature"]), (account, ledger)
    assert account["held"] == account["used"] + account["reserved"], account
    return account
