"""Date ranges of the reports that read daily roll-ups (analytics, the funnel, AI usage): the range check and the
buckets of a series by UTC day, ISO week (starting Monday) or month; every bucket in the range is present."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.errors import InvalidInput

MAX_DAYS = 366
GRANULARITIES = ("day", "week", "month")


def bucket_of(day: date, granularity: str) -> date:
    """The first day of the bucket holding `day`."""
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def buckets(start: date, end: date, granularity: str) -> list[date]:
    """The first day of every bucket touching `start`..`end`, in order."""
    found, day = [], start
    while day <= end:
        first = bucket_of(day, granularity)
        if not found or found[-1] != first:
            found.append(first)
        day += timedelta(days=1)
    return found


def check_range(start: date, end: date) -> None:
    """`to` not before `from`, at most `MAX_DAYS` days (422 on the `to` query parameter)."""
    if end < start:
        raise InvalidInput("the range ends before it starts",
                           [{"loc": ["query", "to"], "msg": "must not be before from", "type": "value_error"}])
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"at most {MAX_DAYS} days at once",
                           [{"loc": ["query", "to"], "msg": f"at most {MAX_DAYS} days after from",
                             "type": "value_error"}])


def day_range_keys(start: date, end: date) -> tuple[str, str]:
    """Sort-key bounds of rows keyed `<YYYY-MM-DD>#…` from `start` to `end`, both included (for a BETWEEN)."""
    return f"{start.isoformat()}#", f"{end.isoformat()}#~"
