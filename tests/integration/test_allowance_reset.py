"""The monthly reset schedule, invoked as Lambda would be: through the app's handler with an EventBridge event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.support.allowance import assert_ledger_matches_account
from tests.support.emulator import count_calls


def scheduled_event(when: datetime) -> dict:
    """An EventBridge "Scheduled Event" as it reaches the Lambda of `reset_ai_allowances`."""
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/creator-marketplace-test-reset_ai_allowances-event"],
        "detail": {},
    }


def invoke(now: datetime) -> dict:
    from app import app
    from local.pump import LambdaContext

    context = LambdaContext("creator-marketplace-test-reset_ai_allowances",
                            "arn:aws:lambda:us-east-1:123456789012:function:creator-marketplace-test-reset_ai_allowances")
    return app.handler_map["reset_ai_allowances"](scheduled_event(now), context)


def month_start(moment: datetime, months_back: int = 0) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


@pytest.fixture
def creators(aws):
    """`due`, `long_due` (three months behind), `not_due`, and `legacy` (no allowance fields), each with usage."""
    from chalicelib.models import AiLedgerEntry, CreatorAccount
    from chalicelib.models.base import utcnow
    from chalicelib.services.accounts import users
    from chalicelib.services.ai import metering

    now = utcnow()
    for name in ("due", "long_due", "not_due", "legacy"):
        users.open_creator_account(name, None, name.title(), None)
        metering.metered(name, feature="outline", request_id="r1", max_tokens=1000, model="m",
                         run=lambda: ({"ok": True}, 700))
    for name, months_back in (("due", 0), ("long_due", 3)):  # as if their period began earlier
        period_end = month_start(now, months_back)
        CreatorAccount(name).update(actions=[
            CreatorAccount.ai_allowance_reset_date.set(period_end),
            CreatorAccount.ai_next_tier.set("pro") if name == "due" else CreatorAccount.ai_next_tier.remove()])
        AiLedgerEntry(name, "R#r1").update(actions=[AiLedgerEntry.period_end.set(period_end)])
    CreatorAccount("legacy").update(actions=[CreatorAccount.ai_reset_shard.remove()])  # not in the index
    return now


def test_the_handler_resets_due_accounts_once_through_the_index(creators):
    from chalicelib.models import CreatorAccount
    from chalicelib.models.allowance import INFLIGHT_SHARDS, RESET_SHARDS, next_reset

    now = creators
    before = {name: CreatorAccount.get(name, consistent_read=True) for name in ("not_due", "legacy")}

    with count_calls() as calls:
        assert invoke(now) == {"reset": 2, "stale_reservations_released": 0}
    assert "Scan" not in calls and calls["Query"] == RESET_SHARDS + INFLIGHT_SHARDS, calls
    assert calls["UpdateItem"] == 2, calls  # one conditional write per due account, nothing else

    this_month, next_month = month_start(now), next_reset(now)
    for name in ("due", "long_due"):
        account = CreatorAccount.get(name, consistent_read=True)
        assert (account.ai_tokens_used, account.ai_tokens_reserved, account.ai_tokens_held) == (0, 0, 0)
        assert account.ai_usage_by_feature.as_dict() == {}
        # whole months from the due date: the late one skips the months nobody used, and neither drifts
        assert (account.ai_period_start, account.ai_allowance_reset_date) == (this_month, next_month)
        assert_ledger_matches_account(name)
    due = CreatorAccount.get("due")
    assert (due.ai_allowance_tier, due.ai_allowance_tokens, due.ai_next_tier) == ("pro", 5_000_000, None)

    for name, account in before.items():  # not due, or not in the index: untouched
        after = CreatorAccount.get(name, consistent_read=True)
        assert after.ai_tokens_used == 700 and after.ai_allowance_reset_date == account.ai_allowance_reset_date

    with count_calls() as calls:
        assert invoke(now) == {"reset": 0, "stale_reservations_released": 0}  # the second run changes nothing
    assert calls == {"Query": RESET_SHARDS + INFLIGHT_SHARDS}, calls
    assert CreatorAccount.get("due", consistent_read=True).ai_allowance_reset_date == next_month


def test_a_run_racing_with_another_changes_each_account_once(creators):
    """Both runs found the account due; the second one's write is conditional on the date it read."""
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import metering, periods

    stale_copy = CreatorAccount.get("due", consistent_read=True)
    assert periods.reset_due(now=creators) == 2
    metering.metered("due", feature="quiz", request_id="r2", max_tokens=100, model="m", run=lambda: ({}, 5))
    assert periods._reset(stale_copy, creators) is False  # the racing run lost: the new usage stays
    assert CreatorAccount.get("due", consistent_read=True).ai_tokens_used == 5


def test_the_schedule_is_registered_hourly_and_pumped_locally():
    from chalice.app import ScheduledEventConfig

    from app import app
    from local import schedules

    source = next(source for source in app.event_sources if source.name == "reset_ai_allowances")
    assert isinstance(source, ScheduledEventConfig)
    expression = source.schedule_expression.to_string()
    assert expression == "rate(1 hour)"
    assert schedules.parse(expression).next_after(datetime(2025, 1, 31, 23, 30, tzinfo=UTC)) == datetime(
        2025, 2, 1, 0, 30, tzinfo=UTC)
