"""The calendar-month period rule of the AI allowance, and how its errors reach HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.models.allowance import next_reset, period_after


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "expected"), [
    (utc(2025, 5, 17, 10, 30), utc(2025, 6, 1)),
    (utc(2025, 5, 1), utc(2025, 6, 1)),  # exactly at a reset: the next one, a month later
    (utc(2025, 5, 31, 23, 59, 59, 999999), utc(2025, 6, 1)),
    (utc(2025, 12, 15), utc(2026, 1, 1)),  # across the year
    (utc(2024, 1, 31), utc(2024, 2, 1)),  # no "same day next month" trouble at month ends
    (utc(2024, 2, 29, 12), utc(2024, 3, 1)),
    # 2025-05-31 22:00 at UTC-3 is already June 1st in UTC: the rule is in UTC
    (datetime(2025, 5, 31, 22, tzinfo=timezone(timedelta(hours=-3))), utc(2025, 7, 1)),
])
def test_a_period_ends_at_midnight_utc_on_the_first_of_the_next_month(moment, expected):
    assert next_reset(moment) == expected


@pytest.mark.parametrize(("due", "now", "expected"), [
    (utc(2025, 6, 1), utc(2025, 6, 1), (utc(2025, 6, 1), utc(2025, 7, 1))),  # on time
    (utc(2025, 6, 1), utc(2025, 6, 1, 0, 59), (utc(2025, 6, 1), utc(2025, 7, 1))),  # the hourly run, a bit late
    (utc(2025, 6, 1), utc(2025, 6, 30, 23), (utc(2025, 6, 1), utc(2025, 7, 1))),  # very late: still no drift
    (utc(2025, 6, 1), utc(2025, 9, 14), (utc(2025, 9, 1), utc(2025, 10, 1))),  # idle months are skipped
    (utc(2025, 12, 1), utc(2026, 1, 1), (utc(2026, 1, 1), utc(2026, 2, 1))),  # a run exactly at the next reset
])
def test_the_next_period_is_counted_from_the_due_date_not_from_the_run(due, now, expected):
    assert period_after(due, now) == expected


def test_allowance_errors_map_to_402_and_409_with_their_own_codes():
    from chalicelib.api.errors import from_domain
    from chalicelib.services.ai.errors import AllowanceExhausted, RequestInProgress

    exhausted = from_domain(AllowanceExhausted("no tokens left", [{"tokens_needed": 10}]))
    assert exhausted.status_code == 402
    assert exhausted.body["error"]["code"] == "ai_allowance_exhausted"
    assert exhausted.body["error"]["details"] == [{"tokens_needed": 10}]
    in_progress = from_domain(RequestInProgress("still running"))
    assert (in_progress.status_code, in_progress.body["error"]["code"]) == (409, "request_in_progress")
