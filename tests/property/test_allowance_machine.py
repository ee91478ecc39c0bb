"""Property-based test: random sequences of reserve / commit / release / reset / add_credits / retried requests keep
the allowance exact.

A hypothesis state machine drives the real service (PynamoDB on an in-process moto account, single-threaded, one
fresh account per example) next to a plain model of the counters. The starter tier is shrunk to 100 tokens so the
allowance runs out within a few steps and credits take over. After every step:
`0 ≤ used ≤ allowance`, `held = used + reserved`, credits ≥ 0 and equal to the model, each reservation split exactly
as the model predicts (allowance first), and the ledger of the current period sums to the account's counters.
Reservations may outlive a reset: they then settle in the period they were taken in, and the new one never sees them.
"""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from moto import mock_aws

from chalicelib.errors import Conflict, PaymentRequired
from chalicelib.models import AiLedgerEntry, AiUsageDay, CreatorAccount, User
from chalicelib.models.allowance import TIER_TOKENS, next_reset
from chalicelib.services.accounts import users
from chalicelib.services.ai import credits, metering, periods, usage
from tests.support.allowance import assert_ledger_matches_account

CREATOR = "prop-creator"
CAP = 100
FEATURES = ("outline", "enhance", "quiz")
REFERENCES = ("pack-a", "pack-b", "pack-c")


class AllowanceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._tiers = mock.patch.dict(TIER_TOKENS, {"starter": CAP})
        self._tiers.start()
        self._aws = mock_aws()
        self._aws.start()
        for model in (User, CreatorAccount, AiLedgerEntry, AiUsageDay):  # only the tables it touches (moto is slow)
            model.create_table(wait=True)
        users.open_creator_account(CREATOR, None, "Prop", None)
        self.period = usage.status(CREATOR)["resets_at"]
        self.used = self.held = self.credits = 0
        self.by_feature: Counter[str] = Counter()
        self.in_flight: list[metering.Reservation] = []
        self.committed: dict[str, tuple[str, dict]] = {}  # request id -> (feature, stored result)
        self.bought: dict[str, int] = {}
        self.next_request = 0

    def teardown(self) -> None:
        self._aws.stop()
        self._tiers.stop()

    def new_request_id(self) -> str:
        self.next_request += 1
        return f"req-{self.next_request}"

    def take(self, data: st.DataObject) -> metering.Reservation:
        return self.in_flight.pop(data.draw(st.integers(0, len(self.in_flight) - 1), label="reservation"))

    # --- rules -----------------------------------------------------------------------------------

    @rule(max_tokens=st.integers(1, 60), feature=st.sampled_from(FEATURES))
    def reserve(self, max_tokens: int, feature: str) -> None:
        from_allowance = min(CAP - self.held, max_tokens)
        from_credits = max_tokens - from_allowance
        request_id = self.new_request_id()
        if from_credits > self.credits:
            with pytest.raises(PaymentRequired):
                metering.reserve(CREATOR, feature=feature, request_id=request_id, max_tokens=max_tokens)
            return
        reservation = metering.reserve(CREATOR, feature=feature, request_id=request_id, max_tokens=max_tokens)
        assert (reservation.from_allowance, reservation.from_credits) == (from_allowance, from_credits)
        self.held += from_allowance
        self.credits -= from_credits
        self.in_flight.append(reservation)

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data())
    def commit(self, data: st.DataObject) -> None:
        reservation = self.take(data)
        reported = data.draw(st.integers(0, reservation.max_tokens + 10), label="used")  # may overshoot: clamped
        used = min(reported, reservation.max_tokens)
        from_allowance = min(used, reservation.from_allowance)
        result = {"request": reservation.request_id}
        metering.commit(reservation, used_tokens=reported, model="offline", result=result)
        if reservation.period_end == self.period:
            self.used += from_allowance
            self.held -= reservation.from_allowance - from_allowance
            self.by_feature[reservation.feature] += used
        self.credits += reservation.from_credits - (used - from_allowance)
        self.committed[reservation.request_id] = (reservation.feature, result)

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        reservation = self.take(data)
        metering.release(reservation, error="provider failed")
        if reservation.period_end == self.period:
            self.held -= reservation.from_allowance
        self.credits += reservation.from_credits

    @rule()
    def reset(self) -> None:
        assert periods.reset_due(now=self.period) == 1
        self.period = next_reset(self.period)
        self.used = self.held = 0
        self.by_feature.clear()

    @rule(reference=st.sampled_from(REFERENCES), tokens=st.integers(1, 50))
    def add_credits(self, reference: str, tokens: int) -> None:
        if reference in self.bought and self.bought[reference] != tokens:
            with pytest.raises(Conflict):
                credits.add_credits(CREATOR, tokens, reference=reference)
            return
        if reference not in self.bought:
            self.bought[reference] = tokens
            self.credits += tokens
        assert credits.add_credits(CREATOR, tokens, reference=reference) == self.credits

    @precondition(lambda self: self.committed)
    @rule(data=st.data())
    def retry_a_completed_request(self, data: st.DataObject) -> None:
        request_id = data.draw(st.sampled_from(sorted(self.committed)), label="request")
        feature, result = self.committed[request_id]

        def run():
            raise AssertionError("a completed request must not call the model again")

        assert metering.metered(CREATOR, feature=feature, request_id=request_id, max_tokens=60, model="offline",
                                run=run) == result

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def counters_match_the_model_and_the_ledger(self) -> None:
        status = usage.status(CREATOR)
        assert 0 <= status["used_tokens"] <= status["total_tokens"] == CAP
        assert status["resets_at"] == self.period
        assert (status["used_tokens"], status["reserved_tokens"]) == (self.used, self.held - self.used)
        assert status["remaining_tokens"] == CAP - self.held
        assert status["credit_balance_tokens"] == self.credits >= 0
        assert status["usage_by_feature"] == {name: tokens for name, tokens in self.by_feature.items() if tokens}
        assert_ledger_matches_account(CREATOR)


AllowanceMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAllowanceMachine = AllowanceMachine.TestCase
