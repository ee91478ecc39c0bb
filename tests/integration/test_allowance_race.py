"""200 concurrent 1-token AI calls against an allowance of 100: exactly 100 run, the rest get 402 before any AI call.

Runs against moto in server mode (`moto_server`): the in-process mock is not thread-safe. Each call goes through
`metered` from its own thread, as 200 Lambdas would; a watcher thread keeps reading the account meanwhile, so
"never above the allowance" is observed while the race runs, not only at the end.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.errors import PaymentRequired
from tests.support.allowance import assert_ledger_matches_account

CALLS = 200


@pytest.fixture
def creator(moto_server) -> str:
    """A fresh creator (the server's state outlives a test)."""
    from chalicelib.services.accounts import users

    creator = f"racer-{uuid.uuid4().hex[:8]}"
    users.open_creator_account(creator, None, "Racer", None)
    return creator


def race(creator: str, allowance_tokens: int, calls: int = CALLS) -> tuple[list[str], list[tuple[int, int]], list[int]]:
    """Run `calls` concurrent 1-token calls; (outcomes, (used, held) seen by the watcher, calls of `run`)."""
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import metering

    CreatorAccount(creator).update(actions=[CreatorAccount.ai_allowance_tokens.set(allowance_tokens)])
    ran: list[int] = []
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            account = CreatorAccount.get(creator, consistent_read=True)
            seen.append((int(account.ai_tokens_used), int(account.ai_tokens_held)))
            done.wait(0.01)

    def attempt(index: int) -> str:
        def run() -> tuple[dict, int]:
            ran.append(index)
            return {"index": index}, 1

        try:
            result = metering.metered(creator, feature="outline", request_id=f"req-{index}", max_tokens=1,
                                      model="offline", run=run)
        except PaymentRequired:
            return "402"
        assert result == {"index": index}
        return "ok"

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=calls) as pool:
            outcomes = list(pool.map(attempt, range(calls)))
    finally:
        done.set()
        watcher.join()
    return outcomes, seen, ran


def committed_rows(creator: str) -> list:
    from chalicelib.models import AiLedgerEntry

    return list(AiLedgerEntry.query(creator, AiLedgerEntry.sk.startswith("R#"), consistent_read=True))


def test_exactly_the_allowance_succeeds_under_200_concurrent_calls(creator):
    from chalicelib.services.ai import usage

    outcomes, seen, ran = race(creator, 100)

    assert outcomes.count("ok") == 100, outcomes.count("ok")
    assert outcomes.count("402") == 100
    assert len(ran) == 100  # no AI call for a refused request
    assert seen and all(used <= 100 and held <= 100 for used, held in seen), max(seen)
    status = usage.status(creator)
    assert (status["used_tokens"], status["reserved_tokens"], status["remaining_tokens"]) == (100, 0, 0)
    rows = committed_rows(creator)
    assert len(rows) == 100 and all(row.status == "committed" and row.tokens_total == 1 for row in rows)
    assert_ledger_matches_account(creator)


def test_credits_take_over_exactly_when_the_allowance_runs_out_under_concurrency(creator):
    from chalicelib.services.ai import credits, usage

    credits.add_credits(creator, 20, reference="pack-1")
    outcomes, seen, ran = race(creator, 30, calls=80)

    assert outcomes.count("ok") == 50 and len(ran) == 50  # 30 from the allowance + 20 from the credits
    assert all(used <= 30 and held <= 30 for used, held in seen), max(seen)
    status = usage.status(creator)
    assert (status["used_tokens"], status["remaining_tokens"], status["credit_balance_tokens"]) == (30, 0, 0)
    rows = committed_rows(creator)
    assert len(rows) == 50
    assert sum(row.tokens_from_allowance for row in rows) == 30
    assert sum(row.tokens_from_credits for row in rows) == 20
    assert_ledger_matches_account(creator)
