"""Metering one AI call: reserve an upper bound, run, then commit what it used or release it all — each step ONE
TransactWriteItems over the ledger row, the creator account and (for the credits part) the user. The protocol is
in the package docstring; this module is its only writer of `R#<request_id>` rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.errors import Conflict, IdempotencyKeyReused, InvalidInput
from chalicelib.models import AiLedgerEntry, CreatorAccount, User
from chalicelib.models.allowance import INFLIGHT_SHARDS, random_shard
from chalicelib.models.base import utcnow
from chalicelib.observability import Metric, count_by, logger
from chalicelib.services.ai import credits, periods, usage
from chalicelib.services.ai.errors import ATTEMPTS, BACKOFF, AllowanceBusy, AllowanceExhausted, RequestInProgress
from chalicelib.services.core.db import CONDITION_FAILED, cancellation_codes, lost_race, retry_on_conflict, transaction

LEASE = timedelta(minutes=15)  # far beyond any API call: a reservation older than this belongs to a dead Lambda
MAX_FEATURE_CHARS = 64
MAX_REQUEST_ID_CHARS = 200
MAX_ERROR_CHARS = 500


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
    now = utcnow()
    _settle(reservation, "committed", from_allowance, from_credits, [
        AiLedgerEntry.model.set(model), AiLedgerEntry.result.set(result), AiLedgerEntry.committed_at.set(now)], now)


def release(reservation: Reservation, *, error: str) -> None:
    """Give the whole reservation back (the call failed); the ledger row keeps the error."""
    _settle(reservation, "released", 0, 0, [
        AiLedgerEntry.error.set(error[:MAX_ERROR_CHARS]), AiLedgerEntry.released_at.set(utcnow())])


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


def upkeep(now: datetime | None = None) -> dict[str, int]:
    """The hourly schedule: reset the accounts whose period ended, release reservations that outlived their lease."""
    counts = {"reset": periods.reset_due(now), "stale_reservations_released": release_stale(now)}
    logger.info("AI allowances reset", extra=counts)
    return counts


def _reserve(user_id: str, feature: str, request_id: str, max_tokens: int,
             model: str | None) -> Reservation | AiLedgerEntry:
    """A new reservation, or the committed ledger row when this request was already answered."""
    _check_call(feature, request_id, max_tokens)
    for _ in retry_on_conflict(ATTEMPTS, BACKOFF, AllowanceBusy):
        now = utcnow()
        entry = _entry(user_id, request_id)
        if entry is not None and _previous_attempt(entry, feature, now) is not None:
            return entry
        account = periods.current(user_id, now)
        cap = account.ai_allowance_tokens
        available = max_tokens if cap is None else max(0, int(cap) - int(account.ai_tokens_held))
        from_allowance = min(available, max_tokens)
        from_credits = max_tokens - from_allowance
        if from_credits:
            balance = credits.balance(user_id)
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
            if not lost_race(exc):
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
        raise IdempotencyKeyReused(f"idempotency key {entry.request_id} was used for another kind of request "
                                   f"({entry.feature})")
    if entry.status == "committed":
        return entry
    if entry.status == "reserved":
        if entry.created_at + LEASE > now:
            raise RequestInProgress(f"request {entry.request_id} is still running; retry when it has finished")
        _release_entry(entry, "lease expired: the call never reported back")
    return None


def _settle(reservation: Reservation, status: str, from_allowance: int, from_credits: int,
            ledger_actions: list[Any], committed_at: datetime | None = None) -> None:
    """reserved → `status`, charging `from_allowance` + `from_credits` and returning the rest of the reservation;
    a commit (`committed_at`) also adds the call to its day's usage roll-up, in the same transaction."""
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
    for _ in retry_on_conflict(ATTEMPTS, BACKOFF, AllowanceBusy):
        try:
            with transaction() as tx:
                tx.update(entry, actions=ledger_actions, condition=AiLedgerEntry.status == "reserved")
                if same_period:
                    tx.update(CreatorAccount(reservation.user_id), actions=account_actions,
                              condition=CreatorAccount.ai_allowance_reset_date == reservation.period_end)
                if unused_credits:
                    tx.update(User(reservation.user_id), actions=[User.ai_credit_balance.add(unused_credits)])
                if committed_at is not None:  # last: the three updates above keep their cancellation-code places
                    usage.add_day(tx, reservation.user_id, reservation.feature, committed_at, used)
            if status == "committed" and used:
                count_by(Metric.AI_TOKENS, used, feature=reservation.feature)
            return
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            codes = cancellation_codes(exc)  # in the order added: all three are updates
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
