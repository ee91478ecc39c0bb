"""Connect events (`account.updated`, `payout.paid`, `payout.failed`) planned for `commerce.webhooks`, which applies
each once with its processed-event marker in one transaction (a planner here never imports commerce).

A planner reads, decides and returns `(outcome, write)`: `write` adds its change to the marker's transaction,
conditioned on what was read, so a concurrent change cancels the transaction and the dispatcher re-plans.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.models.base import utcnow
from chalicelib.models.payouts import Payout, PayoutAccount
from chalicelib.services.payouts.accounts import creator_for_stripe_account

Write = Callable[[TransactWrite], None]
Planned = tuple[str, Write | None]


def _object(event: dict[str, Any]) -> dict[str, Any]:
    obj = (event.get("data") or {}).get("object")
    return obj if isinstance(obj, dict) else {}


def _account_updated(event: dict[str, Any]) -> Planned:
    """Keep the account's state current; an event older than the one the state came from is stale (ignored)."""
    account = _object(event)
    row = creator_for_stripe_account(account.get("id") if isinstance(account.get("id"), str) else None)
    if row is None:
        return "ignored", None
    created = int(event.get("created") or 0)
    read_at = int(row.state_event_created or 0)
    if created < read_at:
        return "stale", None
    requirements = account.get("requirements") or {}
    due = sorted({str(item) for key in ("currently_due", "past_due") for item in requirements.get(key) or []})

    unchanged = PayoutAccount.state_event_created == read_at
    if not read_at:  # never updated: the attribute may be absent
        unchanged |= PayoutAccount.state_event_created.does_not_exist()

    def write(tx: TransactWrite) -> None:
        tx.update(row, actions=[
            PayoutAccount.is_details_submitted.set(bool(account.get("details_submitted"))),
            PayoutAccount.is_charges_enabled.set(bool(account.get("charges_enabled"))),
            PayoutAccount.is_payouts_enabled.set(bool(account.get("payouts_enabled"))),
            PayoutAccount.requirements_due.set(due), PayoutAccount.state_event_created.set(created),
            PayoutAccount.updated_at.set(utcnow())], condition=unchanged)

    return "account_updated", write


def _instant(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), UTC) if isinstance(seconds, int) and seconds > 0 else None


def _payout(status: str) -> Callable[[dict[str, Any]], Planned]:
    """A payout to the creator's bank, recorded once per payout id; `failed` is final (Stripe can fail a payout
    after `paid`, never the other way round)."""

    def plan(event: dict[str, Any]) -> Planned:
        payout = _object(event)
        row = creator_for_stripe_account(event.get("account") if isinstance(event.get("account"), str) else None)
        payout_id = payout.get("id")
        if row is None or not isinstance(payout_id, str) or not payout_id:
            return "ignored", None
        try:
            stored = Payout.get(row.creator_id, payout_id, consistent_read=True)
        except DoesNotExist:
            stored = None
        if stored is not None and (stored.status == status or stored.status == "failed"):
            return "duplicate_payout", None
        failure = str(payout.get("failure_code") or "") or None
        if stored is not None:
            actions = [Payout.status.set(status), Payout.updated_at.set(utcnow())]
            actions += [Payout.failure_code.set(failure)] if failure else []

            def fail(tx: TransactWrite) -> None:
                tx.update(stored, actions=actions, condition=Payout.status == stored.status)

            return f"payout_{status}", fail
        created = _instant(payout.get("created")) or utcnow()
        record = Payout(row.creator_id, payout_id, sort_created=f"{created.isoformat()}#{payout_id}", status=status,
                        amount_cents=int(payout.get("amount") or 0), currency=str(payout.get("currency") or "").upper(),
                        created_at=created, arrival_at=_instant(payout.get("arrival_date")), failure_code=failure)
        return f"payout_{status}", lambda tx: tx.save(record, condition=Payout.payout_id.does_not_exist())

    return plan


PLANNERS: dict[str, Callable[[dict[str, Any]], Planned]] = {
    "account.updated": _account_updated,
    "payout.paid": _payout("paid"),
    "payout.failed": _payout("failed"),
}
