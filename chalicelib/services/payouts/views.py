"""The creator's money view: their account's state, their balance, their recent payouts, a month's statement.

Reads only, each bounded whatever the number of orders: one GetItem (account), one Query (balance rows, in
`platform_collects` mode) or one Stripe Balance retrieve on the connected account (connect mode), one Query page of
payouts (LSI `recent`, newest first), one Query of a month's rows.
"""

from __future__ import annotations

from typing import Any

from chalicelib.errors import ServiceUnavailable
from chalicelib.integrations import payments
from chalicelib.models.payouts import Payout, PayoutAccount
from chalicelib.services.core.pagination import paginate
from chalicelib.services.payouts import statements
from chalicelib.services.payouts.accounts import PROVIDER_RETRY_AFTER_SECONDS, get_account, is_connect


def _account(row: PayoutAccount | None) -> dict[str, Any] | None:
    if row is None or not row.stripe_account_id:
        return None
    return {"stripe_account_id": row.stripe_account_id, "is_details_submitted": bool(row.is_details_submitted),
            "is_charges_enabled": bool(row.is_charges_enabled), "is_payouts_enabled": bool(row.is_payouts_enabled),
            "requirements_due": list(row.requirements_due or [])}


def _balances(creator_id: str, row: PayoutAccount | None) -> list[dict[str, Any]]:
    if not is_connect():
        return statements.held_balances(creator_id)
    if row is None or not row.stripe_account_id:
        return []
    try:
        balance = payments.gateway().retrieve_balance(stripe_account=row.stripe_account_id)
    except payments.PaymentProviderError as exc:
        raise ServiceUnavailable(str(exc), PROVIDER_RETRY_AFTER_SECONDS) from None
    return [{"currency": currency, "available_cents": amounts[0], "pending_cents": amounts[1]}
            for currency, amounts in sorted(balance.items())]


def overview(creator_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Account state, balance per currency and one page of payouts, newest first."""
    row = get_account(creator_id)
    page = paginate(lambda **kw: Payout.recent.query(creator_id, scan_index_forward=False, **kw),
                    f"payouts|{creator_id}", cursor, limit)
    return {"mode": "connect" if is_connect() else "platform_collects", "is_held_by_platform": not is_connect(),
            "account": _account(row), "balances": _balances(creator_id, row), "payouts": page.items,
            "next_cursor": page.next_cursor}


def statement(creator_id: str, month: str) -> dict[str, Any]:
    return {"month": month, "currencies": statements.month(creator_id, month)}
