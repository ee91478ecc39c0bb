"""The AI allowance service on moto: reservation split, credits fallback, release, idempotency, tiers, resets.

The numbers are exact on purpose: the allowance is capped at 100 tokens for most tests (the service reads the cap
from the account, so a test may set it), and every assertion names the token counts it expects.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.errors import Conflict, Forbidden, InvalidInput, NotFound, PaymentRequired
from tests.support.allowance import assert_ledger_matches_account
from tests.support.emulator import count_calls

CREATOR = "alice"


@pytest.fixture
def creator(aws) -> str:
    from chalicelib.services.accounts import users

    users.open_creator_account(CREATOR, "alice@example.com", "Alice", None)
    return CREATOR


def cap(user_id: str, tokens: int) -> None:
    from chalicelib.models import CreatorAccount

    CreatorAccount(user_id).update(actions=[CreatorAccount.ai_allowance_tokens.set(tokens)])


def call(user_id: str, request_id: str, max_tokens: int, used: int, feature: str = "outline") -> dict:
    from chalicelib.services.ai import metering

    return metering.metered(user_id, feature=feature, request_id=request_id, max_tokens=max_tokens, model="offline",
                            run=lambda: ({"request": request_id, "used": used}, used))


def row(user_id: str, request_id: str):
    from chalicelib.models import AiLedgerEntry

    return AiLedgerEntry.get(user_id, f"R#{request_id}", consistent_read=True)


def state(user_id: str) -> tuple:
    from chalicelib.services.ai import usage

    status = usage.status(user_id)
    return status["used_tokens"], status["reserved_tokens"], status["remaining_tokens"], status["credit_balance_tokens"]


# --- accounts ---------------------------------------------------------------------------------------


def test_a_new_creator_account_starts_on_the_starter_tier(creator):
    from chalicelib.models.allowance import next_reset
    from chalicelib.models.base import utcnow
    from chalicelib.services.ai import usage

    status = usage.status(creator)
    assert status == {"tier": "starter", "total_tokens": 1_000_000, "used_tokens": 0, "reserved_tokens": 0,
                      "remaining_tokens": 1_000_000, "resets_at": next_reset(utcnow()), "credit_balance_tokens": 0,
                      "usage_by_feature": {}}


def test_an_account_opened_before_the_allowance_is_initialized_on_first_use(creator):
    from chalicelib.models import CreatorAccount
    from chalicelib.models.allowance import next_reset
    from chalicelib.models.base import utcnow
    from chalicelib.services.ai import usage

    fields = [CreatorAccount.ai_allowance_tier, CreatorAccount.ai_allowance_tokens, CreatorAccount.ai_tokens_used,
              CreatorAccount.ai_tokens_reserved, CreatorAccount.ai_tokens_held, CreatorAccount.ai_usage_by_feature,
              CreatorAccount.ai_period_start, CreatorAccount.ai_allowance_reset_date, CreatorAccount.ai_reset_shard]
    CreatorAccount(creator).update(actions=[field.remove() for field in fields])
    assert CreatorAccount.get(creator).ai_allowance_tier is None

    assert call(creator, "r1", 100, 40) == {"request": "r1", "used": 40}
    account = CreatorAccount.get(creator, consistent_read=True)
    assert (account.ai_allowance_tier, account.ai_allowance_tokens) == ("starter", 1_000_000)
    assert account.ai_tokens_used == 40
    assert account.ai_allowance_reset_date == next_reset(utcnow())
    assert account.ai_reset_shard in {"0", "1", "2", "3"}  # in the reset index from now on
    assert usage.status(creator)["usage_by_feature"] == {"outline": 40}


def test_a_buyer_without_a_creator_account_is_refused(aws):
    from chalicelib.services.accounts import users
    from chalicelib.services.ai import usage

    users.ensure_user("bob", None, "Bob")
    with pytest.raises(Forbidden):
        call("bob", "r1", 10, 1)
    with pytest.raises(Forbidden):
        usage.status("bob")


# --- the split between allowance and credits --------------------------------------------------------


@pytest.mark.parametrize(("used", "charged_allowance", "charged_credits", "remaining", "credits_after"), [
    (50, 30, 20, 0, 80),  # the 30 left in the allowance, then 20 of the 50 credits reserved; 30 credits back
    (20, 20, 0, 10, 100),  # all from the allowance: 10 back to the allowance, all 50 credits back
    (80, 30, 50, 0, 50),  # the whole reservation
    (0, 0, 0, 30, 100),  # nothing used: everything back where it came from
    (95, 30, 50, 0, 50),  # more than reserved is clamped to the reservation
])
def test_the_allowance_is_used_first_then_credits_exact_to_the_token(
        creator, used, charged_allowance, charged_credits, remaining, credits_after):
    from chalicelib.services.ai import credits, metering, usage

    cap(creator, 100)
    call(creator, "first", 70, 70)  # the allowance leaves 30
    assert credits.add_credits(creator, 100, reference="pack-1") == 100

    reservation = metering.reserve(creator, feature="enhance", request_id="second", max_tokens=80)
    assert (reservation.from_allowance, reservation.from_credits) == (30, 50)
    assert state(creator) == (70, 30, 0, 50)  # 30 reserved from the allowance, 50 taken from the credits

    metering.commit(reservation, used_tokens=used, model="offline", result={"text": "done"})
    assert state(creator) == (70 + charged_allowance, 0, remaining, credits_after)
    entry = row(creator, "second")
    assert entry.status == "committed" and entry.result == {"text": "done"} and entry.model == "offline"
    assert (entry.reserved_from_allowance, entry.reserved_from_credits) == (30, 50)
    assert (entry.tokens_total, entry.tokens_from_allowance, entry.tokens_from_credits) == (
        charged_allowance + charged_credits, charged_allowance, charged_credits)
    expected_features = {"outline": 70, "enhance": charged_allowance + charged_credits}
    assert usage.status(creator)["usage_by_feature"] == {k: v for k, v in expected_features.items() if v}
    assert_ledger_matches_account(creator)


def test_neither_source_covering_the_call_is_a_402_before_any_ai_call_with_nothing_written(creator):
    from chalicelib.models import AiLedgerEntry
    from chalicelib.services.ai import credits, metering

    cap(creator, 100)
    call(creator, "first", 70, 70)
    credits.add_credits(creator, 40, reference="pack-1")  # 30 + 40 = 70 tokens available in all
    ran = []

    with count_calls() as calls, pytest.raises(PaymentRequired) as caught:
        metering.metered(creator, feature="quiz", request_id="too-big", max_tokens=71, model="offline",
                         run=lambda: ran.append(1) or ({}, 1))
    assert caught.value.code == "ai_allowance_exhausted"
    assert caught.value.details[0] | {"resets_at": None} == {
        "tokens_needed": 71, "allowance_remaining": 30, "credits_balance": 40, "resets_at": None}
    assert ran == []
    assert calls == {"GetItem": 3}, calls  # the ledger key, the account and the credits: no write at all
    assert state(creator) == (70, 0, 30, 40)
    assert AiLedgerEntry.count(creator, AiLedgerEntry.sk == "R#too-big") == 0

    call(creator, "exact", 70, 70, feature="quiz")  # exactly what is left still runs
    assert state(creator) == (100, 0, 0, 0)
    assert_ledger_matches_account(creator)


def test_a_failed_call_releases_everything_and_may_run_again(creator):
    from chalicelib.services.ai import credits, metering

    cap(creator, 100)
    call(creator, "first", 70, 70)
    credits.add_credits(creator, 40, reference="pack-1")

    def fail():
        raise RuntimeError("provider down")

    with pytest.raises(RuntimeError, match="provider down"):
        metering.metered(creator, feature="quiz", request_id="retry-me", max_tokens=60, model="offline", run=fail)
    assert state(creator) == (70, 0, 30, 40)  # 30 back to the allowance, 30 back to the credits
    entry = row(creator, "retry-me")
    assert (entry.status, entry.error, entry.tokens_total) == ("released", "RuntimeError: provider down", 0)
    assert entry.inflight_shard is None

    assert call(creator, "retry-me", 60, 45, feature="quiz") == {"request": "retry-me", "used": 45}
    assert state(creator) == (100, 0, 0, 25)
    assert row(creator, "retry-me").status == "committed"
    assert_ledger_matches_account(creator)


# --- idempotency --------------------------------------------------------------------------------------


def test_the_same_request_id_is_charged_once_and_answers_the_stored_result(creator):
    from chalicelib.services.ai import metering

    runs = []

    def run():
        runs.append(1)
        return {"outline": [f"module {len(runs)}"]}, 40

    first = metering.metered(creator, feature="outline", request_id="key-1", max_tokens=100, model="m", run=run)
    second = metering.metered(creator, feature="outline", request_id="key-1", max_tokens=100, model="m", run=run)
    assert first == second == {"outline": ["module 1"]}
    assert len(runs) == 1
    assert state(creator)[:2] == (40, 0)
    with pytest.raises(Conflict, match="already completed"):
        metering.reserve(creator, feature="outline", request_id="key-1", max_tokens=100)
    with pytest.raises(Conflict, match="another kind of request"):
        metering.metered(creator, feature="quiz", request_id="key-1", max_tokens=100, model="m", run=run)
    assert len(runs) == 1
    assert_ledger_matches_account(creator)


def test_a_request_still_in_flight_answers_409_request_in_progress(creator):
    from chalicelib.services.ai import metering
    from chalicelib.services.ai.errors import RequestInProgress

    reservation = metering.reserve(creator, feature="outline", request_id="slow", max_tokens=50)
    with pytest.raises(RequestInProgress) as caught:
        call(creator, "slow", 50, 10)
    assert caught.value.code == "request_in_progress"
    metering.release(reservation, error="client gave up")
    assert call(creator, "slow", 50, 10) == {"request": "slow", "used": 10}
    assert state(creator)[:2] == (10, 0)


def test_settling_twice_is_harmless_and_settling_the_other_way_is_a_conflict(creator):
    from chalicelib.services.ai import metering

    reservation = metering.reserve(creator, feature="outline", request_id="r", max_tokens=50)
    metering.commit(reservation, used_tokens=20, model="m", result={})
    metering.commit(reservation, used_tokens=20, model="m", result={})
    with pytest.raises(Conflict):
        metering.release(reservation, error="late")
    assert state(creator)[:2] == (20, 0)
    assert_ledger_matches_account(creator)


def age(user_id: str, request_id: str, by: timedelta) -> None:
    from chalicelib.models import AiLedgerEntry

    entry = row(user_id, request_id)
    entry.update(actions=[AiLedgerEntry.created_at.set(entry.created_at - by)])


def test_a_reservation_whose_lambda_died_is_released_after_its_lease(creator):
    from chalicelib.services.ai import credits, metering

    cap(creator, 100)
    credits.add_credits(creator, 10, reference="pack-1")
    metering.reserve(creator, feature="outline", request_id="dead", max_tokens=100)
    metering.reserve(creator, feature="outline", request_id="also-dead", max_tokens=10)  # all from credits
    assert state(creator) == (0, 100, 0, 0)
    assert metering.release_stale() == 0  # within the lease: maybe still running

    age(creator, "dead", metering.LEASE + timedelta(seconds=1))
    assert call(creator, "dead", 100, 60) == {"request": "dead", "used": 60}  # the retry releases, then runs
    assert state(creator) == (60, 0, 40, 0)

    age(creator, "also-dead", metering.LEASE + timedelta(seconds=1))
    assert metering.release_stale() == 1  # the schedule's sweep, through the in_flight index
    assert state(creator) == (60, 0, 40, 10)
    entry = row(creator, "also-dead")
    assert entry.status == "released" and entry.error.startswith("lease expired")
    assert_ledger_matches_account(creator)


# --- tiers ----------------------------------------------------------------------------------------


def test_unlimited_never_blocks_but_still_meters_and_ledgers(creator):
    from chalicelib.services.ai import periods, usage

    periods.set_tier(creator, "unlimited")
    for index in range(3):
        call(creator, f"big-{index}", 5_000_000, 3_000_000)
    status = usage.status(creator)
    assert (status["tier"], status["total_tokens"], status["remaining_tokens"]) == ("unlimited", None, None)
    assert (status["used_tokens"], status["credit_balance_tokens"]) == (9_000_000, 0)
    assert status["usage_by_feature"] == {"outline": 9_000_000}
    assert row(creator, "big-2").tokens_from_allowance == 3_000_000
    assert_ledger_matches_account(creator)


def test_upgrades_apply_at_once_and_downgrades_at_the_next_reset(creator):
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import periods, usage

    with pytest.raises(PaymentRequired):
        call(creator, "r0", 2_000_000, 1_500_000)  # more than the starter allowance
    periods.set_tier(creator, "pro")
    call(creator, "r1", 2_000_000, 1_500_000)
    assert usage.status(creator)["total_tokens"] == 5_000_000

    periods.set_tier(creator, "starter")  # would leave used (1.5M) above the new allowance (1M)
    status = usage.status(creator)
    assert (status["tier"], status["total_tokens"], status["used_tokens"]) == ("pro", 5_000_000, 1_500_000)
    assert CreatorAccount.get(creator).ai_next_tier == "starter"

    due = status["resets_at"]
    assert periods.reset_due(now=due) == 1
    status = usage.status(creator, now=due)
    assert (status["tier"], status["total_tokens"], status["used_tokens"]) == ("starter", 1_000_000, 0)
    assert CreatorAccount.get(creator).ai_next_tier is None
    with pytest.raises(InvalidInput):
        periods.set_tier(creator, "platinum")


def test_choosing_the_current_tier_again_cancels_a_pending_downgrade(creator):
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import periods, usage

    periods.set_tier(creator, "pro")
    periods.set_tier(creator, "starter")
    periods.set_tier(creator, "pro")
    assert CreatorAccount.get(creator).ai_next_tier is None
    assert periods.reset_due(now=usage.status(creator)["resets_at"]) == 1
    assert usage.status(creator)["tier"] == "pro"


# --- resets and calls in flight -------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["commit", "release"])
def test_a_call_in_flight_across_a_reset_settles_in_its_own_period(creator, outcome):
    from chalicelib.services.ai import credits, metering, periods, usage

    cap(creator, 100)
    credits.add_credits(creator, 50, reference="pack-1")
    call(creator, "before", 60, 60)
    reservation = metering.reserve(creator, feature="quiz", request_id="across", max_tokens=60)
    assert (reservation.from_allowance, reservation.from_credits) == (40, 20)
    old_period = reservation.period_end

    assert periods.reset_due(now=old_period) == 1
    fresh = usage.status(creator, now=old_period)
    assert (fresh["used_tokens"], fresh["reserved_tokens"], fresh["remaining_tokens"]) == (0, 0, 1_000_000)
    assert fresh["usage_by_feature"] == {}

    if outcome == "commit":
        metering.commit(reservation, used_tokens=50, model="m", result={"late": True})
        expected_credits = 40  # 30 left + the 10 reserved but unused; 40 + 10 were charged in the old period
    else:
        metering.release(reservation, error="timeout")
        expected_credits = 50
    after = usage.status(creator, now=old_period)
    assert (after["used_tokens"], after["reserved_tokens"], after["remaining_tokens"]) == (0, 0, 1_000_000)
    assert after["credit_balance_tokens"] == expected_credits
    entry = row(creator, "across")
    assert entry.period_end == old_period and entry.status == ("committed" if outcome == "commit" else "released")
    assert_ledger_matches_account(creator)


def test_a_call_resets_its_own_account_when_the_schedule_is_late(creator):
    from chalicelib.models import AiLedgerEntry, CreatorAccount
    from chalicelib.models.allowance import next_reset
    from chalicelib.models.base import utcnow
    from chalicelib.services.ai import periods

    call(creator, "old", 500, 500)
    start_of_month = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    CreatorAccount(creator).update(actions=[CreatorAccount.ai_allowance_reset_date.set(start_of_month)])
    row(creator, "old").update(actions=[AiLedgerEntry.period_end.set(start_of_month)])  # as if made last month

    call(creator, "new", 100, 30)
    account = CreatorAccount.get(creator, consistent_read=True)
    assert (account.ai_tokens_used, account.ai_period_start) == (30, start_of_month)
    assert account.ai_allowance_reset_date == next_reset(start_of_month)
    assert periods.reset_due() == 0  # nothing left for the schedule
    assert_ledger_matches_account(creator)


# --- credits --------------------------------------------------------------------------------------


def test_credits_are_added_once_per_reference(creator):
    from chalicelib.services.ai import credits, usage

    assert credits.add_credits(creator, 1000, reference="pi_1") == 1000
    assert credits.add_credits(creator, 1000, reference="pi_1") == 1000
    assert credits.add_credits(creator, 500, reference="pi_2") == 1500
    with pytest.raises(Conflict):
        credits.add_credits(creator, 999, reference="pi_1")
    with pytest.raises(InvalidInput):
        credits.add_credits(creator, 0, reference="pi_3")
    with pytest.raises(NotFound):
        credits.add_credits("nobody", 10, reference="pi_4")
    assert usage.status(creator)["credit_balance_tokens"] == 1500


def test_bad_calls_are_refused_before_anything_is_read(creator):
    from chalicelib.services.ai import metering

    for max_tokens, feature, request_id in [(0, "outline", "r"), (True, "outline", "r"), (10, "", "r"),
                                            (10, "x" * 65, "r"), (10, "outline", ""), (10, "outline", "k" * 201)]:
        with pytest.raises(InvalidInput):
            metering.reserve(creator, feature=feature, request_id=request_id, max_tokens=max_tokens)
