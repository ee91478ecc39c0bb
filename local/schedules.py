"""EventBridge schedule expressions, so the local pump can fire `@app.schedule` handlers (moto never does).

`rate(N minutes|hours|days)` fires every N units from the moment the pump starts, as a rate rule does
from its creation. Six-field `cron(min hour day-of-month month day-of-week year)` is evaluated in UTC,
like EventBridge, with `*`, `?`, numbers, JAN-DEC / SUN-SAT names, ranges, lists and `/` steps. The
`L`, `W` and `#` forms are refused with ValueError rather than approximated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
WEEKDAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
# (name, lowest, highest, names) for the six cron fields, in order.
CRON_FIELDS = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day-of-week", 1, 7, WEEKDAYS),
    ("year", 1970, 2199, {}),
)


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing time strictly after `moment` (UTC), or None when there is none."""


@dataclass(frozen=True)
class Every:
    """A fixed period: `rate(...)`, or the runner's `--schedule-every` override."""

    seconds: float

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression; `None` for a day field means `?` (no constraint)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int]
    weekdays: frozenset[int] | None  # EventBridge numbering: 1 = SUN ... 7 = SAT
    years: frozenset[int]

    def matches_day(self, day: date) -> bool:
        weekday = day.isoweekday() % 7 + 1
        return (day.year in self.years and day.month in self.months
                and (self.days is None or day.day in self.days)
                and (self.weekdays is None or weekday in self.weekdays))

    def next_after(self, moment: datetime) -> datetime | None:
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        while day.year <= max(self.years):
            if self.matches_day(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=start.tzinfo)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        return None


def parse(expression: str) -> Schedule:
    """A schedule from the expression string Chalice records (`Rate`/`Cron` objects give `to_string()`)."""
    text = expression.strip()
    rate = re.fullmatch(r"rate\((\d+)\s+(minute|hour|day)s?\)", text)
    if rate:
        value = int(rate.group(1))
        if value <= 0:
            raise ValueError(f"{text}: the rate must be positive")
        return Every(value * UNIT_SECONDS[rate.group(2)])
    cron = re.fullmatch(r"cron\((.+)\)", text)
    if not cron:
        raise ValueError(f"{text}: not a rate(...) or cron(...) expression")
    parts = cron.group(1).split()
    if len(parts) != len(CRON_FIELDS):
        raise ValueError(f"{text}: cron needs six fields (minutes hours day-of-month month day-of-week year)")
    values = [_field(part, *spec) for part, spec in zip(parts, CRON_FIELDS, strict=True)]
    minutes, hours, days, months, weekdays, years = values
    if (days is None) == (weekdays is None):
        raise ValueError(f"{text}: exactly one of day-of-month and day-of-week must be '?'")
    return Cron(minutes, hours, days, months, weekdays, years)  # type: ignore[arg-type]


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int] | None:
    if text == "?":
        if name not in ("day-of-month", "day-of-week"):
            raise ValueError(f"{name}: '?' is allowed only in day-of-month or day-of-week")
        return None
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = _number(step_text, name, 1, high) if slash else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = _value(first_text, name, low, high, names), _value(last_text, name, low, high, names)
        else:
            first = _value(base, name, low, high, names)
            last = high if slash else first
        if first > last:
            raise ValueError(f"{name}: range {base} runs backwards")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(token: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    return _number(token, name, low, high)


def _number(token: str, name: str, low: int, high: int) -> int:
    if not token.isdigit():
        raise ValueError(f"{name}: {token!r} is not supported locally (L, W and # are not emulated)")
    number = int(token)
    if not low <= number <= high:
        raise ValueError(f"{name}: {number} is outside {low}-{high}")
    return number
