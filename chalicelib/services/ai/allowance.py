"""Creator AI allowance: every AI call is metered exactly against the monthly allowance, then purchased credits.

The protocol, one TransactWriteItems per step:
- reserve: put the ledger row `R#<request_id>` (absent, or released: a failed call may run again) + ADD the
  allowance part to the account's `reserved` and `held`, conditioned on the tier and period read and on
  `held <= allowance - part` + when the allowance cannot cover the call, ADD −rest to the user's credits,
  conditioned on `credits >= rest`. The allowance condition is an inequality on the live counter, so concurrent
  reservations never invalidate each other; one only re-reads when the allowance really ran out, or when a reset
  or a tier change moved the period or the tier it read. Nothing is written when neither source covers the call.
- commit: the ledger row reserved → committed with what was used, charged allowance first (so the unused tokens
  go back to credits first); the account moves the allowance part from `reserved` to `used`, returns the unused
  rest from `held` and adds the call's tokens to its feature's counter; the unused credits go back to the user.
- release: the same with nothing used.

Period rule (calendar month): a period ends at 00:00 UTC on the 1st of the month after it began; the next end is
computed from the end that was due, so a late reset never drifts. The first period runs from the account's
opening (or first AI use) to the next 1st, with the full allowance. A reset zeroes used, reserved, held and the
per-feature counters. A reservation remembers the period it was taken in: tokens in flight across a reset were
counted in the old period, so their commit or release settles only the ledger row and the credits (the account
update is conditioned on the period and dropped once it moved on) — `used` never goes negative and nothing
reserved in one period is freed into the next. The hourly schedule resets through the `allowance_resets` index;
every call also resets its own account when the date has come, so no one waits for the schedule.

Invariants (tests/property/test_allowance_machine.py): 0 ≤ used ≤ allowance, held = used + reserved, credits ≥ 0,
Σ committed ledger `tokens_from_allowance` of the period = used, Σ per feature = the account's feature counters.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Conflict, Forbidden, InvalidInput, NotFound, PaymentRequired, TooManyRequests
from chalicelib.models import AiLedgerEntry, CreatorAccount, User
from chalicelib.models.allowance import (
    DEFAULT_TIER,
    INFLIGHT_SHARDS,
    RESET_SHARDS,
    TIER_TOKENS,
    next_reset,
    period_after,
    random_shard,
)
from chalicelib.models.base import utcnow
from chalicelib.observability import logger
from chalicelib.services.core.db import cancellation_codes, condition_failed, transaction

__all__ = ["TIER_TOKENS", "AllowanceExhausted", "Reservation", "RequestInProgress", "add_credits", "commit",
           "credit_writes", "metered", "release", "release_stale", "reserve", "reset_due", "set_tier", "status"]

LEASE = timedelta(minutes=15)  # far beyond any API call: a reservation older than this belongs to a dead Lambda
MAX_ATTEMPTS = 10
MAX_FEATURE_CHARS = 64
MAX_REQUEST_ID_CHARS = 200
MAX_ERROR_CHARS = 500
CONDITION_FAILED = "ConditionalCheckFailed"


class AllowanceExhausted(PaymentRequired):
    code = "ai_allowance_exhausted"


class RequestInProgress(Conflict):
    code = "request_in_progress"


@dataclass(frozen=True)
class Reservation:
    user_id: str
    request_id: str  # the idempotency key (client's Idempotency-Key header, or a fresh uuid)
    feature: str
    from_allowance: int  # tokens reserved from the monthly allowance
    from_credits: int  # tokens reserved from the purchased credit balance
    period_end: datetime  # the account's reset date when reserved: the period the allowance part counts in

    @property
    def max_tokens(self) -> int:
        return self.from_allowance + self.from_credits


# --- metering -----------------------------------------------------------------------------------------


def metered(user_id: str, *, feature: str, request_id: str, max_tokens: int, model: str,
            run: Callable[[], tuple[dict, int]]) -> dict:
    """Run one AI call under a reservation of `max_tokens`; charge what it used, once per `request_id`.

    A committed request returns its stored result without calling `run` or charging again; one in flight answers
    409 `request_in_progress`; a released (failed) one runs again. 402 before any AI call when the allowance and
    the credits together cannot cover `max_tokens`. If `run` raises, everything is released and it re-raises.
    """
    outcome = _reserve(user_id, feature, request_id, max_tokens, model)
    if isinstance(outcome, AiLedgerEntry):
        return outcome.result
    try:
        result, used_tokens = run()
    except Exception as exc:
        release(outcome, error=f"{type(exc).__name__}: {exc}")
        raise
    commit(outcome, used_tokens=used_tokens, model=model, result=result)
    return result


def reserve(user_id: str, *, feature: str, request_id: str, max_tokens: int, model: str | None = None) -> Reservation:
    """Hold `max_tokens` for one call: allowance first, the rest from credits, atomically (402 if they cannot)."""
    outcome = _reserve(user_id, feature, request_id, max_tokens, model)
    if isinstance(outcome, AiLedgerEntry):
        raise Conflict(f"request {request_id} was already completed")
    return outcome


def commit(reservation: Reservation, *, used_tokens: int, model: str, result: dict) -> None:
    """Charge what the call used (clamped to the reservation), allowance first; give the rest back."""
    used = used_tokens
    if not 0 <= used <= reservation.max_tokens:
        logger.warning("AI call reported usage outside its reservation; clamped", extra={
            "request_id": reservation.request_id, "used_tokens": used, "max_tokens": reservation.max_tokens})
        used = min(max(used, 0), reservation.max_tokens)
    from_allowance = min(used, reservation.from_allowance)
    from_credits = used - from_allowance
    _settle(reservation, "committed", from_allowance, from_credits, [
        AiLedgerEntry.model.set(model), AiLedgerEntry.result.set(result), AiLedgerEntry.committed_at.set(utcnow())])


def release(reservation: Reservation, *, error: str) -> None:
    """Give the whole reservation back (the call failed); the ledger row keeps the error."""
    _settle(reservation, "released", 0, 0, [
        AiLedgerEntry.error.set(error[:MAX_ERROR_CHARS]), AiLedgerEntry.released_at.set(utcnow())])


def _reserve(user_id: str, feature: str, request_id: str, max_tokens: int,
             model: str | None) -> Reservation | AiLedgerEntry:
    """A new reservation, or the committed ledger row when this request was already answered."""
    _check_call(feature, request_id, max_tokens)
    for _ in _attempts():
        now = utcnow()
        entry = _entry(user_id, request_id)
        if entry is not None and _previous_attempt(entry, feature, now) is not None:
            return entry
        account = _account(user_id, now)
        cap = account.ai_allowance_tokens
        available = max_tokens if cap is None else max(0, int(cap) - int(account.ai_tokens_held))
        from_allowance = min(available, max_tokens)
        from_credits = max_tokens - from_allowance
        if from_credits:
            balance = _credit_balance(user_id)
            if balance < from_credits:
                resets_at = account.ai_allowance_reset_date
                raise AllowanceExhausted(
                    f"this call needs up to {max_tokens} AI tokens; your allowance leaves {available} and your "
                    f"credits {balance}. Buy credits or wait for the reset on {resets_at:%Y-%m-%d}",
                    [{"tokens_needed": max_tokens, "allowance_remaining": available, "credits_balance": balance,
                      "resets_at": resets_at.isoformat()}])
        reservation = Reservation(user_id, request_id, feature, from_allowance, from_credits,
                                  account.ai_allowance_reset_date)
        try:
            _write_reservation(reservation, account, model, now)
            return reservation
        except TransactWriteError as exc:
            if not cancellation_codes(exc):
                raise
            # Someone took the key, the allowance ran out, credits moved, a reset or a conflict: read again.


def _write_reservation(reservation: Reservation, account: CreatorAccount, model: str | None, now: datetime) -> None:
    entry = AiLedgerEntry(reservation.user_id, _call_key(reservation.request_id), kind="call", status="reserved",
                          request_id=reservation.request_id, feature=reservation.feature, model=model,
                          reserved_tokens=reservation.max_tokens, reserved_from_allowance=reservation.from_allowance,
                          reserved_from_credits=reservation.from_credits, period_end=reservation.period_end,
                          inflight_shard=random_shard(INFLIGHT_SHARDS), created_at=now)
    condition = (CreatorAccount.ai_allowance_tier == account.ai_allowance_tier) & (
        CreatorAccount.ai_allowance_reset_date == account.ai_allowance_reset_date)
    if account.ai_allowance_tokens is not None and reservation.from_allowance:
        condition &= CreatorAccount.ai_tokens_held <= int(account.ai_allowance_tokens) - reservation.from_allowance
    with transaction() as tx:
        tx.save(entry, condition=AiLedgerEntry.sk.does_not_exist() | (AiLedgerEntry.status == "released"))
        tx.update(CreatorAccount(reservation.user_id), condition=condition, actions=[
            CreatorAccount.ai_tokens_reserved.add(reservation.from_allowance),
            CreatorAccount.ai_tokens_held.add(reservation.from_allowance)])
        if reservation.from_credits:
            tx.update(User(reservation.user_id), actions=[User.ai_credit_balance.add(-reservation.from_credits)],
                      condition=User.ai_credit_balance >= reservation.from_credits)


def _previous_attempt(entry: AiLedgerEntry, feature: str, now: datetime) -> AiLedgerEntry | None:
    """The committed row to answer with; None when a new reservation may be made (released, or stale and now
    released). An attempt still in flight answers 409."""
    if entry.feature != feature:
        raise Conflict(f"idempotency key {entry.request_id} was used for another kind of request ({entry.feature})")
    if entry.status == "committed":
        return entry
    if entry.status == "reserved":
        if entry.created_at + LEASE > now:
            raise RequestInProgress(f"request {entry.request_id} is still running; retry when it has finished")
        _release_entry(entry, "lease expired: the call never reported back")
    return None


def _settle(reservation: Reservation, status: str, from_allowance: int, from_credits: int,
            ledger_actions: list[Any]) -> None:
    """reserved → `status`, charging `from_allowance` + `from_credits` and returning the rest of the reservation."""
    used = from_allowance + from_credits
    unused_credits = reservation.from_credits - from_credits
    entry = AiLedgerEntry(reservation.user_id, _call_key(reservation.request_id))
    ledger_actions = [*ledger_actions, AiLedgerEntry.status.set(status), AiLedgerEntry.inflight_shard.remove(),
                      AiLedgerEntry.tokens_total.set(used), AiLedgerEntry.tokens_from_allowance.set(from_allowance),
                      AiLedgerEntry.tokens_from_credits.set(from_credits)]
    account_actions = [CreatorAccount.ai_tokens_reserved.add(-reservation.from_allowance),
                       CreatorAccount.ai_tokens_held.add(from_allowance - reservation.from_allowance),
                       CreatorAccount.ai_tokens_used.add(from_allowance)]
    if used:
        counter = CreatorAccount.ai_usage_by_feature[reservation.feature]
        account_actions.append(counter.set((counter | 0) + used))
    same_period = True
    for _ in _attempts():
        try:
            with transaction() as tx:
                tx.update(entry, actions=ledger_actions, condition=AiLedgerEntry.status == "reserved")
                if same_period:
                    tx.update(CreatorAccount(reservation.user_id), actions=account_actions,
                              condition=CreatorAccount.ai_allowance_reset_date == reservation.period_end)
                if unused_credits:
                    tx.update(User(reservation.user_id), actions=[User.ai_credit_balance.add(unused_credits)])
            return
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if not codes:
                raise
            if codes[0] == CONDITION_FAILED:
                current = _entry(reservation.user_id, reservation.request_id)
                if current is not None and current.status == status:
                    return  # settled already (a retry of this very step)
                raise Conflict(f"request {reservation.request_id} is no longer reserved") from None
            if same_period and codes[1] == CONDITION_FAILED:
                same_period = False  # the period ended meanwhile: its counters are gone, settle ledger and credits


def _release_entry(entry: AiLedgerEntry, error: str) -> None:
    release(Reservation(entry.user_id, entry.request_id, entry.feature, int(entry.reserved_from_allowance),
                        int(entry.reserved_from_credits), entry.period_end), error=error)


def release_stale(now: datetime | None = None) -> int:
    """Release reservations older than the lease (their Lambda died before commit or release), found through the
    sparse `in_flight` index; how many were released."""
    now = now or utcnow()
    released = 0
    for shard in range(INFLIGHT_SHARDS):
        for key in AiLedgerEntry.in_flight.query(str(shard), AiLedgerEntry.created_at < now - LEASE, page_size=100):
            entry = _entry(key.user_id, key.sk.removeprefix("R#"))
            if entry is None or entry.status != "reserved":
                continue
            try:
                _release_entry(entry, "lease expired: the call never reported back")
            except Conflict:
                continue  # committed meanwhile
            released += 1
    return released


# --- account, credits, tiers, resets -------------------------------------------------------------------


def status(user_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The caller's allowance for the current period: two GetItems (plus a write on first use or when due)."""
    account = _account(user_id, now or utcnow())
    cap = account.ai_allowance_tokens
    return {
        "tier": account.ai_allowance_tier,
        "tokens_total": None if cap is None else int(cap),
        "tokens_used": int(account.ai_tokens_used),
        "tokens_reserved": int(account.ai_tokens_reserved),
        "tokens_remaining": None if cap is None else max(0, int(cap) - int(account.ai_tokens_held)),
        "resets_at": account.ai_allowance_reset_date,
        "credits_balance": _credit_balance(user_id),
        "usage_by_feature": {name: int(tokens) for name, tokens in account.ai_usage_by_feature.as_dict().items()},
    }


def add_credits(user_id: str, tokens: int, *, reference: str) -> int:
    """Add purchased credits once per `reference` (e.g. the payment's id); the new balance."""
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens <= 0:
        raise InvalidInput("credits must be a positive whole number of tokens")
    if not reference or len(reference) > MAX_REQUEST_ID_CHARS:
        raise InvalidInput(f"a credit reference is 1 to {MAX_REQUEST_ID_CHARS} characters")
    for _ in _attempts():
        try:
            with transaction() as tx:
                credit_writes(tx, user_id, tokens, reference=reference)
            break
        except TransactWriteError as exc:
            codes = cancellation_codes(exc)
            if not codes:
                raise
            if codes[0] == CONDITION_FAILED:
                existing = AiLedgerEntry.get(user_id, f"C#{reference}", consistent_read=True)
                if existing.tokens_total != tokens:
                    raise Conflict(f"credit reference {reference} added {existing.tokens_total} tokens") from None
                break  # already added
            if codes[1] == CONDITION_FAILED:
                raise NotFound("user not found") from None
    return _credit_balance(user_id)


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


def set_tier(user_id: str, tier: str) -> None:
    """Change the allowance tier. An upgrade (or the same tier, which cancels a pending downgrade) applies at once;
    a downgrade waits for the next reset, so the allowance never drops below what the period already used."""
    if tier not in TIER_TOKENS:
        raise InvalidInput(f"tier must be one of {', '.join(TIER_TOKENS)}")
    for _ in _attempts():
        account = _account(user_id, utcnow())
        if _rank(tier) >= _rank(account.ai_allowance_tier):
            actions = [*_tier_actions(tier), CreatorAccount.ai_next_tier.remove()]
        else:
            actions = [CreatorAccount.ai_next_tier.set(tier)]
        try:
            account.update(actions=actions, condition=(CreatorAccount.ai_allowance_tier == account.ai_allowance_tier)
                           & (CreatorAccount.ai_allowance_reset_date == account.ai_allowance_reset_date))
            return
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise


def reset_due(now: datetime | None = None) -> int:
    """The schedule's work: reset every account whose reset date has come, found through the `allowance_resets`
    index (one Query per shard, paginated), each conditional on the date it read; how many were reset."""
    now = now or utcnow()
    count = 0
    for shard in range(RESET_SHARDS):
        for key in CreatorAccount.allowance_resets.query(
                str(shard), CreatorAccount.ai_allowance_reset_date <= now, page_size=100):
            try:
                account = CreatorAccount.get(key.user_id, consistent_read=True)
            except DoesNotExist:
                continue
            if account.ai_allowance_reset_date <= now and _reset(account, now):
                count += 1
    return count


def _account(user_id: str, now: datetime) -> CreatorAccount:
    """The creator account with current allowance fields: initialized on first use, reset when its date has come."""
    account = _get_account(user_id)
    if account.ai_allowance_tier is None:
        _initialize(user_id, now)
        account = _get_account(user_id)
    if account.ai_allowance_reset_date <= now:
        _reset(account, now)
        account = _get_account(user_id)
    return account


def _get_account(user_id: str) -> CreatorAccount:
    try:
        return CreatorAccount.get(user_id, consistent_read=True)
    except DoesNotExist:
        raise Forbidden("open a creator account first (POST /v1/creator/account)") from None


def _initialize(user_id: str, now: datetime) -> None:
    """Give an account opened before the allowance existed the starter tier, its period starting now."""
    try:
        CreatorAccount(user_id).update(actions=[
            *_tier_actions(DEFAULT_TIER), *_zeroed(), CreatorAccount.ai_period_start.set(now),
            CreatorAccount.ai_allowance_reset_date.set(next_reset(now)),
            CreatorAccount.ai_reset_shard.set(random_shard(RESET_SHARDS)),
        ], condition=CreatorAccount.user_id.exists() & CreatorAccount.ai_allowance_tier.does_not_exist())
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise  # else: a concurrent call initialized it


def _reset(account: CreatorAccount, now: datetime) -> bool:
    """Start the period containing `now` (pending downgrade applied, counters zeroed); False if another run did."""
    due = account.ai_allowance_reset_date
    start, end = period_after(due, now)
    pending = account.ai_next_tier
    condition = CreatorAccount.ai_allowance_reset_date == due
    condition &= CreatorAccount.ai_next_tier.does_not_exist() if pending is None else (
        CreatorAccount.ai_next_tier == pending)
    try:
        account.update(actions=[
            *_tier_actions(pending or account.ai_allowance_tier), *_zeroed(), CreatorAccount.ai_next_tier.remove(),
            CreatorAccount.ai_period_start.set(start), CreatorAccount.ai_allowance_reset_date.set(end),
        ], condition=condition)
    except UpdateError as exc:
        if not _condition_failed(exc):
            raise
        return False
    return True


def _tier_actions(tier: str) -> list[Any]:
    tokens = TIER_TOKENS[tier]
    return [CreatorAccount.ai_allowance_tier.set(tier), CreatorAccount.ai_allowance_tokens.remove() if tokens is None
            else CreatorAccount.ai_allowance_tokens.set(tokens)]


def _zeroed() -> list[Any]:
    return [CreatorAccount.ai_tokens_used.set(0), CreatorAccount.ai_tokens_reserved.set(0),
            CreatorAccount.ai_tokens_held.set(0), CreatorAccount.ai_usage_by_feature.set({})]


def _rank(tier: str) -> float:
    tokens = TIER_TOKENS[tier]
    return float("inf") if tokens is None else tokens


def _credit_balance(user_id: str) -> int:
    try:
        return int(User.get(user_id, consistent_read=True).ai_credit_balance or 0)
    except DoesNotExist:
        return 0


# --- small helpers -------------------------------------------------------------------------------------


def _call_key(request_id: str) -> str:
    return f"R#{request_id}"


def _entry(user_id: str, request_id: str) -> AiLedgerEntry | None:
    try:
        return AiLedgerEntry.get(user_id, _call_key(request_id), consistent_read=True)
    except DoesNotExist:
        return None


def _check_call(feature: str, request_id: str, max_tokens: int) -> None:
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0:
        raise InvalidInput("max_tokens must be a positive whole number")
    if not feature or len(feature) > MAX_FEATURE_CHARS:
        raise InvalidInput(f"feature is 1 to {MAX_FEATURE_CHARS} characters")
    if not request_id or len(request_id) > MAX_REQUEST_ID_CHARS:
        raise InvalidInput(f"the idempotency key is 1 to {MAX_REQUEST_ID_CHARS} characters")


def _attempts() -> Iterator[int]:
    """Attempt numbers for a step that re-reads and retries; short jittered pauses; 429 when they run out
    (only under heavy contention: DynamoDB cancels transactions that touch an item another one is writing)."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** attempt)))  # noqa: S311 - jitter, not security
        yield attempt
    raise TooManyRequests("the AI allowance is busy, try again", retry_after=1)


def _condition_failed(exc: Exception) -> bool:
    return condition_failed(exc)
