"""Weeks that start on the clinic's day, named by ISO week labels (``2026-W47``).

A Monday-start week is exactly an ISO week. Any other week (the clinic setting
allows Sunday) takes the label of the ISO week of the Monday inside it, so a
Sunday-start week runs from the Sunday before that ISO week's Monday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

from facilitator.core.errors import InputError
from facilitator.core.parsing import check_day, check_digits

_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)   # dateutil's own `weekdays`, which its stubs do not name

MONDAY = 0
SUNDAY = 6

_LABEL = re.compile(r"^(\d{4})-W(\d{2})$", re.ASCII)


@dataclass(frozen=True)
class Week:
    """Seven local days ``first`` .. ``last`` (inclusive)."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if (self.last - self.first).days != 6:
            raise ValueError(f"a week is seven days, not {self.first} .. {self.last}")

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(7)]

    @property
    def week_start_weekday(self) -> int:
        return self.first.weekday()

    @property
    def label(self) -> str:
        """ISO label of the Monday inside the week (for a Monday start, the ISO week)."""
        monday = self.first + relativedelta(weekday=_WEEKDAYS[MONDAY])
        year, number, _ = monday.isocalendar()
        return f"{year}-W{number:02d}"

    def __contains__(self, day: object) -> bool:
        if isinstance(day, datetime):
            day = day.date()
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.label} ({self.first:%a %Y-%m-%d} .. {self.last:%a %Y-%m-%d})"

    def previous(self) -> Week:
        return self._shift(-1)

    def next(self) -> Week:
        return self._shift(1)

    def _shift(self, weeks: int) -> Week:
        step = relativedelta(weeks=weeks)
        return Week(self.first + step, self.last + step)

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """Local midnight opening the week and local midnight after it (aware)."""
        return (datetime.combine(self.first, time(0), tz),
                datetime.combine(self.last + timedelta(days=1), time(0), tz))


def _start_weekday(week_start_weekday: int) -> weekday:
    if week_start_weekday not in range(7):
        raise ValueError(f"week_start_weekday must be 0 (Monday) .. 6 (Sunday), not {week_start_weekday!r}")
    return _WEEKDAYS[week_start_weekday]


def week_containing(day: date, week_start_weekday: int = MONDAY) -> Week:
    """The clinic week (starting on ``week_start_weekday``, Monday = 0) holding ``day``."""
    if isinstance(day, datetime):
        day = day.date()
    first = day + relativedelta(weekday=_start_weekday(week_start_weekday)(-1))
    return Week(first, first + timedelta(days=6))


def parse_week_label(text: str, week_start_weekday: int = MONDAY, *, field: str | None = "week") -> Week:
    """``'2026-W47'`` -> the clinic week carrying that label. Raises InputError."""
    _start_weekday(week_start_weekday)
    value = check_digits(text, field=field).strip().upper()
    match = _LABEL.match(value)
    if not match:
        raise InputError(f"{text!r} is not a week (write it like 2026-W47)", field=field)
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 53:
        raise InputError(f"{text!r} is not a week (week numbers run 01 to 53)", field=field)
    try:
        monday = date.fromisocalendar(year, number, 1)
        week = week_containing(monday, week_start_weekday)
    except (ValueError, OverflowError):
        raise InputError(f"{text!r} is not a week ({year} has no week {number})", field=field) from None
    check_day(monday, field=field)     # the day the label names; a Sunday week may begin the day before
    return week
