"""AI usage by feature and day (services/ai/usage.py `breakdown`): the day roll-ups written in each commit's
transaction equal a recount of the ledger after a randomized run (failures, retries, several days and a period
reset); cost saved rounded half up per day and feature at the boundaries; the route's parameters and its calls."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.support.emulator import count_calls

FEATURES = ("outline", "enhance", "quiz", "description")


@pytest.fixture
def creator(api) -> str:
    api.creator("alice")
    return "alice"


@pytest.fixture
def clock(monkeypatch) -> list[datetime]:
    """The metering's clock (`clock[0]`), moved by the test: commits land on the days it says."""
    now = [datetime.now(UTC).replace(hour=12)]
    monkeypatch.setattr("chalicelib.services.ai.metering.utcnow", lambda: now[0])
    return now


def _call(user_id: str, request_id: str, feature: str, used: int, fail: bool = False) -> None:
    from chalicelib.services.ai import metering

    def run() -> tuple[dict, int]:
        if fail:
            raise RuntimeError("the model answered nonsense")
        return {"ok": True}, used

    try:
        metering.metered(user_id, feature=feature, request_id=request_id, max_tokens=500, model="offline", run=run)
    except RuntimeError:
        assert fail


def _price(monkeypatch, price: str) -> None:
    from chalicelib.config import get_settings

    settings = dataclasses.replace(get_settings(), ai_reference_price_cents_per_1000_tokens=Decimal(price))
    monkeypatch.setattr("chalicelib.services.ai.usage.get_settings", lambda: settings)


def _breakdown(api, start: date, end: date, granularity: str = "day", user: str = "alice") -> dict:
    response = api.call("GET", f"/v1/creator/ai/usage/breakdown?from={start}&to={end}&granularity={granularity}",
                        user)
    assert response.status_code == 200, response.json
    return response.json


def _ledger_recount(user_id: str) -> dict[tuple[str, str], Counter[str]]:
    """(day, feature) → tokens and calls, from the ledger's committed call rows (the day they were committed)."""
    from chalicelib.models import AiLedgerEntry

    sums: dict[tuple[str, str], Counter[str]] = {}
    for row in AiLedgerEntry.query(user_id, AiLedgerEntry.sk.startswith("R#"), consistent_read=True):
        if row.status == "committed":
            figures = sums.setdefault((row.committed_at.date().isoformat(), row.feature), Counter())
            figures.update({"used_tokens": int(row.tokens_total), "calls": 1})
    return sums


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_day_roll_ups_equal_a_recount_of_the_ledger(api, creator, clock, seed):
    from chalicelib.models import AiUsageDay
    from chalicelib.services.ai.usage import cost_saved_cents

    rng = random.Random(seed)
    start = clock[0].date()
    done: list[tuple[str, str]] = []
    for n in range(30):
        clock[0] += timedelta(hours=rng.choice([0, 0, 5, 30]))  # ~ 11 days: a period reset when a month ends
        if done and rng.random() < 0.2:
            request_id, feature = rng.choice(done)  # a retried request: answered from the ledger, charged once
        else:
            request_id, feature = f"req-{n}", rng.choice(FEATURES)
        fail = rng.random() < 0.2
        _call(creator, request_id, feature, rng.randint(0, 500), fail)
        if not fail:
            done.append((request_id, feature))

    recount = _ledger_recount(creator)
    rolled = {tuple(row.day_feature.split("#", 1)): Counter({"used_tokens": int(row.used_tokens),
                                                             "calls": int(row.calls)})
              for row in AiUsageDay.query(creator)}
    assert rolled == recount and recount
    report = _breakdown(api, start, clock[0].date())
    assert report["currency"] == "USD"
    for point in report["series"]:
        for item in point["features"]:
            figures = recount.get((point["date"], item["feature"]), Counter())
            assert (item["used_tokens"], item["calls"]) == (figures["used_tokens"], figures["calls"])
            assert item["cost_saved_cents"] == cost_saved_cents(figures["used_tokens"], Decimal("1"))
    assert report["totals"]["used_tokens"] == sum(figures["used_tokens"] for figures in recount.values())
    assert report["totals"]["calls"] == sum(figures["calls"] for figures in recount.values())
    assert sorted(item["feature"] for item in report["features"]) == sorted({feature for _, feature in recount})


@pytest.mark.parametrize(("price", "tokens", "cents"), [
    ("1", 0, 0), ("1", 499, 0), ("1", 500, 1), ("1", 1499, 1), ("1", 1500, 2), ("1", 2500, 3),  # half up, not even
    ("0.75", 666, 0), ("0.75", 667, 1), ("0.75", 1_000_000, 750), ("0", 10**9, 0), ("0.001", 499_999, 0),
    ("0.001", 500_000, 1),
])
def test_cost_saved_rounds_half_up(price, tokens, cents):
    from chalicelib.services.ai.usage import cost_saved_cents

    assert cost_saved_cents(tokens, Decimal(price)) == cents


def test_cost_saved_is_rounded_per_day_and_feature_then_added(api, creator, clock, monkeypatch):
    _price(monkeypatch, "1")
    first = clock[0].date()
    _call(creator, "a", "outline", 500)  # 0.5 cent → 1
    _call(creator, "b", "quiz", 400)  # 0.4 cent → 0
    clock[0] += timedelta(days=1)
    _call(creator, "c", "outline", 500)  # 0.5 cent → 1 (the next day's row)
    _call(creator, "d", "outline", 499)  # the same day and feature: 999 tokens → 1
    weekly = _breakdown(api, first, first + timedelta(days=1), "week")
    assert weekly["totals"] == {"used_tokens": 1899, "calls": 4, "cost_saved_cents": 2}
    assert {item["feature"]: item["cost_saved_cents"] for item in weekly["features"]} == {"outline": 2, "quiz": 0}
    daily = _breakdown(api, first, first + timedelta(days=1))
    assert [point["cost_saved_cents"] for point in daily["series"]] == [1, 1]
    assert [[item["feature"] for item in point["features"]] for point in daily["series"]] == [["outline", "quiz"]] * 2
    assert daily["series"][1]["features"][1] == {"feature": "quiz", "used_tokens": 0, "calls": 0,
                                                 "cost_saved_cents": 0}  # zero-filled
    _price(monkeypatch, "0.75")
    assert _breakdown(api, first, first + timedelta(days=1))["totals"]["cost_saved_cents"] == 0 + 0 + 1  # .375 .3 .749


def test_parameters_creators_only_and_calls_independent_of_usage(api, creator, clock):
    today = clock[0].date()
    base = "/v1/creator/ai/usage/breakdown"
    assert api.call("GET", f"{base}?from={today}&to={today}", "bob").status_code == 403
    assert api.call("GET", f"{base}?from={today}&to={today}").status_code == 401
    assert api.call("GET", f"{base}?from={today}&to={today}&feature=quiz", "alice").status_code == 422
    assert api.call("GET", f"{base}?from={today}&to={today - timedelta(days=1)}", "alice").status_code == 422
    assert api.call("GET", f"{base}?from={today - timedelta(days=400)}&to={today}", "alice").status_code == 422
    calls = []
    for count in (1, 20):
        for n in range(count):
            _call(creator, f"r{count}-{n}", FEATURES[n % 4], 10)
            clock[0] += timedelta(hours=11)
        _breakdown(api, today - timedelta(days=89), today)
        with count_calls() as counted:
            report = _breakdown(api, today - timedelta(days=89), today + timedelta(days=10), "month")
        calls.append(dict(counted))
    assert report["totals"]["calls"] == 21
    assert calls[0] == calls[1] and calls[1]["Query"] == 1
