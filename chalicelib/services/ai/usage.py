"""What a user has of AI and has used: the allowance now (`status`), the ledger newest first, and the usage by
feature and day with what it would have cost (`breakdown`).

`status` costs two GetItems (plus a write on first use or when the period is due). The ledger is one Query of the
`by_created` index (user, created time, descending) per page; the index projects the figures only, so a stored
model answer (`result`) is never read here, let alone returned. The breakdown is one Query of `ai-usage-days`
(≤ days × features rows, whatever the number of calls): `add_day` ADDs each committed call to its UTC day and
feature in the transaction that commits it in the ledger (`metering`), so the roll-up equals the ledger's committed
calls, grouped by the day of `committed_at`.

Cost saved: tokens × `AI_REFERENCE_PRICE_CENTS_PER_1000_TOKENS` / 1,000, in minor units of `AI_REFERENCE_CURRENCY`
— what buying those tokens would have cost — rounded half up to a whole minor unit for each day and feature; weeks,
months, features and totals add those rounded figures, so every total is the sum of what it is made of.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings
from chalicelib.models import AiLedgerEntry, AiUsageDay
from chalicelib.models.base import utcnow
from chalicelib.services.ai import credits, periods
from chalicelib.services.core.calendar import bucket_of, buckets, check_range, day_range_keys
from chalicelib.services.core.pagination import Page, paginate

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

USAGE_FIGURES = ("used_tokens", "calls", "cost_saved_cents")


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


def add_day(tx: TransactWrite, user_id: str, feature: str, when: datetime, used_tokens: int) -> None:
    """One committed call of `feature` on the UTC day of `when`, in the caller's (the commit's) transaction."""
    tx.update(AiUsageDay(user_id, f"{when.date().isoformat()}#{feature}"),
              actions=[AiUsageDay.used_tokens.add(used_tokens), AiUsageDay.calls.add(1)])


def cost_saved_cents(used_tokens: int, price_per_1000: Decimal) -> int:
    """What `used_tokens` would have cost at `price_per_1000` minor units per 1,000 tokens, rounded half up."""
    return int((Decimal(used_tokens) * price_per_1000 / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def breakdown(user_id: str, start: date, end: date, granularity: str) -> dict[str, Any]:
    """Tokens, calls and cost saved per feature, by day, ISO week or month (every bucket present, every feature of
    the range in each); one Query."""
    check_range(start, end)
    settings = get_settings()
    price = settings.ai_reference_price_cents_per_1000_tokens
    sums: dict[date, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(USAGE_FIGURES, 0)))
    for row in AiUsageDay.query(user_id, AiUsageDay.day_feature.between(*day_range_keys(start, end))):
        day, _, feature = row.day_feature.partition("#")
        used = int(row.used_tokens or 0)
        figures = sums[bucket_of(date.fromisoformat(day), granularity)][feature]
        figures["used_tokens"] += used
        figures["calls"] += int(row.calls or 0)
        figures["cost_saved_cents"] += cost_saved_cents(used, price)
    features = sorted({feature for bucket in sums.values() for feature in bucket})

    def total(items: list[dict[str, Any]]) -> dict[str, int]:
        return {name: sum(item[name] for item in items) for name in USAGE_FIGURES}

    series = []
    for first in buckets(start, end, granularity):
        items = [{"feature": feature, **sums[first][feature]} for feature in features]
        series.append({"date": first, **total(items), "features": items})
    by_feature = [{"feature": feature, **total([point["features"][index] for point in series])}
                  for index, feature in enumerate(features)]
    return {"from_date": start, "to_date": end, "granularity": granularity, "currency": settings.ai_reference_currency,
            "totals": total(by_feature), "features": by_feature, "series": series}
