"""Monthly statements: per creator × month × currency counters ADDed in the transaction of the order event that
changes them, and their reads (one Query, whatever the number of orders).

An order's position on the statement is a function of what is recorded about it (`position`); each order event
adds the difference between the position after and before it (`add`), so the counters always equal a recount
over the orders, in any order of arrival. The month is the event's (cash basis: a refund counts in its month).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.models.payouts import StatementRow
from chalicelib.services.payouts import fees

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

FIGURES = ("orders", "gross_cents", "fees_cents", "refunds_cents", "refunded_fees_cents", "dispute_losses_cents",
           "net_cents")
ALL_TIME = "ALL"  # the running total per currency: the balance the platform holds in `platform_collects` mode


def position(amount_cents: int, fee_cents: int, refunded_cents: int, is_paid: bool,
             is_disputed_away: bool) -> dict[str, int]:
    """What one order contributes: nothing before its payment; then its amount, fee, refunds and the fee they gave
    back; a dispute that withdrew the money (open, or lost) takes back what the order still paid the creator (its
    net becomes 0), and a won dispute gives it back. An order paid at 0 (a 100 % coupon) moves no money: nothing."""
    if not is_paid or amount_cents <= 0:
        return dict.fromkeys(FIGURES, 0)
    refunded = min(refunded_cents, amount_cents)
    given_back = fees.refunded_fee(fee_cents, amount_cents, refunded)
    net = amount_cents - fee_cents - refunded + given_back
    lost = net if is_disputed_away else 0
    return {"orders": 1, "gross_cents": amount_cents, "fees_cents": fee_cents, "refunds_cents": refunded,
            "refunded_fees_cents": given_back, "dispute_losses_cents": lost, "net_cents": net - lost}


def add(tx: TransactWrite, creator_id: str, currency: str, when: datetime, before: dict[str, int],
        after: dict[str, int]) -> None:
    """Move the month of `when` and the all-time row by `after − before` (nothing when they are equal)."""
    moves = {name: after[name] - before[name] for name in FIGURES if after[name] != before[name]}
    if not moves:
        return
    for period in (when.strftime("%Y-%m"), ALL_TIME):
        tx.update(StatementRow(creator_id, f"{period}#{currency.upper()}"),
                  actions=[getattr(StatementRow, name).add(value) for name, value in moves.items()])


def _rows(creator_id: str, period: str) -> list[StatementRow]:
    return list(StatementRow.query(creator_id, StatementRow.period_currency.startswith(f"{period}#")))


def _figures(row: StatementRow) -> dict[str, Any]:
    return {"currency": row.period_currency.partition("#")[2], **{name: int(getattr(row, name)) for name in FIGURES}}


def month(creator_id: str, period: str) -> list[dict[str, Any]]:
    """One month's figures per currency (`period` = YYYY-MM): one Query of at most a row per currency."""
    return [_figures(row) for row in _rows(creator_id, period)]


def held_balances(creator_id: str) -> list[dict[str, Any]]:
    """What the platform holds for the creator per currency (`platform_collects`): the all-time net."""
    return [{"currency": item["currency"], "available_cents": item["net_cents"], "pending_cents": 0}
            for item in map(_figures, _rows(creator_id, ALL_TIME))]


def to_csv(period: str, items: list[dict[str, Any]]) -> str:
    """The statement as CSV: one row per currency, integer minor units as plain integers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", "currency", *FIGURES])
    for item in items:
        writer.writerow([period, item["currency"], *(item[name] for name in FIGURES)])
    return out.getvalue()
