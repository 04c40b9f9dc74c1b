"""Small validators for values typed by people; each raises InputError.

Digits are the ASCII digits 0-9, everywhere a number, date or time is read (the command
line, CSV imports, the app's forms and typed times). A full-width ``５０`` or another
script's digits (``٥٠``) are refused with one sentence saying so, never read as 50 in one
place and refused as "not a date" in another (``check_digits``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time

from facilitator.core.errors import InputError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$", re.ASCII)

# The days a clinic's data may be about. Outside them a date is a typo (9999-12-27, 0202-...),
# and week and schedule arithmetic would run off the calendar's end.
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2199, 12, 31)


def check_digits(text: str, *, field: str | None = None) -> str:
    """``text`` unless it holds a digit other than 0-9 (full-width ``５``, Arabic-Indic
    ``٥`` ...): those are refused everywhere, with this sentence."""
    if not text.isascii():
        for char in text:
            if not char.isascii() and unicodedata.digit(char, None) is not None:
                raise InputError(f"{text.strip()[:40]!r} has the digit {char!r} (U+{ord(char):04X}); type numbers, "
                                 f"dates and times with the digits 0-9 (half-width)", field=field)
    return text


def parse_whole(text: str, *, field: str | None = None, low: int = 0, high: int = 10**6,
                what: str = "a whole number") -> int:
    """A whole number low..high written with the digits 0-9 (``--minutes``, a form's minutes)."""
    value = check_digits(str(text), field=field).strip()
    if not value.isdigit() or len(value) > 9:
        raise InputError(f"{value[:20] or 'nothing'!r} is not {what}", field=field)
    number = int(value)
    if not low <= number <= high:
        raise InputError(f"{number} is not between {low} and {high}", field=field)
    return number


def parse_date(text: str, *, field: str | None = None) -> date:
    """A calendar date written YYYY-MM-DD (the only form the file formats accept)."""
    value = check_digits(text, field=field).strip()
    if not _DATE.match(value):
        raise InputError(f"{text!r} is not a date (YYYY-MM-DD)", field=field)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{text!r} is not a real date", field=field) from None
    return check_day(day, field=field)


def check_day(day: date, *, field: str | None = None) -> date:
    """``day`` if it lies in FIRST_DAY..LAST_DAY, else InputError."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"{day.isoformat()} is outside the dates a clinic's records cover "
                         f"({FIRST_DAY.year} to {LAST_DAY.year})", field=field)
    return day


def parse_date_range(first: str, last: str, *, first_field: str = "--from",
                     last_field: str = "--to", max_days: int | None = None) -> tuple[date, date]:
    """Two dates, the second not before the first (and at most ``max_days`` apart)."""
    start = parse_date(first, field=first_field)
    end = parse_date(last, field=last_field)
    if end < start:
        raise InputError(f"{last_field} {end} is before {first_field} {start}", field=last_field)
    if max_days is not None and (end - start).days > max_days:
        raise InputError(f"the range is longer than {max_days} days; ask for a shorter one",
                         field=last_field)
    return start, end


def parse_hhmm(text: str, *, field: str | None = None) -> time:
    """A 24-hour clock time written HH:MM, as in CSV files and `--start`."""
    match = _HHMM.match(check_digits(text, field=field).strip())
    if not match:
        raise InputError(f"{text!r} is not a time (HH:MM, 24-hour)", field=field)
    return time(int(match.group(1)), int(match.group(2)))


_TYPED = re.compile(r"^(\d{1,2})(?::?(\d{2}))?\s*([ap])?\.?m?\.?$", re.IGNORECASE | re.ASCII)


def parse_typed_time(text: str, *, near: time | None = None, field: str | None = None) -> time:
    """A time typed by hand in group: "6:40", "6:40p", "640pm", "18:40".

    Without am/pm, a 12-hour reading ("6:40") is taken as the one closest to
    ``near`` (the session's time), so "6:40" in an evening group means 18:40.
    """
    match = _TYPED.match(check_digits(text, field=field).strip())
    if not match:
        raise InputError(f"{text!r} is not a time (try 6:40p or 18:40)", field=field)
    hour, minute, meridiem = match.group(1), match.group(2) or "00", match.group(3)
    canonical = f"{hour}:{minute}" + (f" {meridiem}m" if meridiem else "")
    try:
        from dateutil import parser as dateparser  # ~10 ms to import: only when a time is typed
        parsed = dateparser.parse(canonical)
    except (ValueError, OverflowError):
        raise InputError(f"{text!r} is not a time (try 6:40p or 18:40)", field=field) from None
    result = parsed.time()
    if near is not None and not meridiem and 1 <= result.hour <= 12:
        candidates = [result.replace(hour=result.hour % 12), result.replace(hour=result.hour % 12 + 12)]
        near_minutes = near.hour * 60 + near.minute
        result = min(candidates, key=lambda t: abs(t.hour * 60 + t.minute - near_minutes))
    return result
