"""Purchased AI credits (`users.ai_credit_balance`): every movement is a ledger row `C#<reference>` put once in the
same transaction as the balance ADD, which is what makes a movement idempotent and the balance auditable."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import AiLedgerEntry, User
from chalicelib.models.base import utcnow
from chalicelib.services.ai.errors import ATTEMPTS, BACKOFF, AllowanceBusy
from chalicelib.services.core.db import CONDITION_FAILED, cancellation_codes, lost_race, retry_on_conflict, transaction

MAX_REFERENCE_CHARS = 200


def balance(user_id: str) -> int:
    """The user's purchased tokens (0 for a user without a row)."""
    try:
        return int(User.get(user_id, consistent_read=True).ai_credit_balance or 0)
    except DoesNotExist:
        return 0


def add_credits(user_id: str, tokens: int, *, reference: str) -> int:
    """Add purchased credits once per `reference` (e.g. the payment's id); the new balance."""
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens <= 0:
        raise InvalidInput("credits must be a positive whole number of tokens")
    if not reference or len(reference) > MAX_REFERENCE_CHARS:
        raise InvalidInput(f"a credit reference is 1 to {MAX_REFERENCE_CHARS} characters")
    for _ in retry_on_conflict(ATTEMPTS, BACKOFF, AllowanceBusy):
        try:
            with transaction() as tx:
                credit_writes(tx, user_id, tokens, reference=reference)
            break
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            ledger_row, user = cancellation_codes(exc)  # PynamoDB sends the put before the update
            if ledger_row == CONDITION_FAILED:
                existing = AiLedgerEntry.get(user_id, f"C#{reference}", consistent_read=True)
                if existing.tokens_total != tokens:
                    raise Conflict(f"credit reference {reference} added {existing.tokens_total} tokens") from None
                break  # already added
            if user == CONDITION_FAILED:
                raise NotFound("user not found") from None
    return balance(user_id)


def credit_writes(tx: TransactWrite, user_id: str, tokens: int, *, reference: str, kind: str = "credit") -> None:
    """Add one movement of purchased credits to `tx`: the ledger row `C#<reference>` (put once, which is what makes
    a movement idempotent) and the user's balance ADD `tokens`. A negative movement (a refund taking credits back,
    kind `clawback`) is conditioned on the balance covering it: the balance never goes below zero."""
    entry = AiLedgerEntry(user_id, f"C#{reference}", kind=kind, status="committed", reference=reference,
                          tokens_total=tokens, tokens_from_credits=tokens, committed_at=utcnow())
    condition = User.user_id.exists()
    if tokens < 0:
        condition &= User.ai_credit_balance >= -tokens
    tx.save(entry, condition=AiLedgerEntry.sk.does_not_exist())
    tx.update(User(user_id), actions=[User.ai_credit_balance.add(tokens)], condition=condition)
