"""The allowance fields of a creator account: first-use initialization, monthly periods and resets, tiers.

Every write here is one UpdateItem conditioned on what was read (the reset date, the tier), so a reset applies once
however many callers and schedule runs find the account due, and a tier change never lands on a period it did not
read. Never `save()` a loaded account: that would overwrite the counters other calls move with ADD.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.errors import Forbidden, InvalidInput
from chalicelib.models import CreatorAccount
from chalicelib.models.allowance import DEFAULT_TIER, RESET_SHARDS, TIER_TOKENS, next_reset, period_after, random_shard
from chalicelib.models.base import utcnow
from chalicelib.services.ai.errors import ATTEMPTS, BACKOFF, AllowanceBusy
from chalicelib.services.core.db import condition_failed, retry_on_conflict


def current(user_id: str, now: datetime) -> CreatorAccount:
    """The creator account with current allowance fields: initialized on first use, reset when its date has come."""
    account = _get(user_id)
    if account.ai_allowance_tier is None:
        _initialize(user_id, now)
        account = _get(user_id)
    if account.ai_allowance_reset_date <= now:
        _reset(account, now)
        account = _get(user_id)
    return account


def set_tier(user_id: str, tier: str) -> None:
    """Change the allowance tier. An upgrade (or the same tier, which cancels a pending downgrade) applies at once;
    a downgrade waits for the next reset, so the allowance never drops below what the period already used."""
    if tier not in TIER_TOKENS:
        raise InvalidInput(f"tier must be one of {', '.join(TIER_TOKENS)}")
    for _ in retry_on_conflict(ATTEMPTS, BACKOFF, AllowanceBusy):
        account = current(user_id, utcnow())
        if _rank(tier) >= _rank(account.ai_allowance_tier):
            actions = [*_tier_actions(tier), CreatorAccount.ai_next_tier.remove()]
        else:
            actions = [CreatorAccount.ai_next_tier.set(tier)]
        try:
            account.update(actions=actions, condition=(CreatorAccount.ai_allowance_tier == account.ai_allowance_tier)
                           & (CreatorAccount.ai_allowance_reset_date == account.ai_allowance_reset_date))
            return
        except UpdateError as exc:
            if not condition_failed(exc):
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


def _get(user_id: str) -> CreatorAccount:
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
        if not condition_failed(exc):
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
        if not condition_failed(exc):
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
