"""Small validators for values typed by people; each raises InputError."""

from __future__ import annotations

import re
from datetime import date, time

from facilitator.core.errors import InputError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$", re.ASCII)


def parse_date(text: str, *, field: str | None = None) -> date:
    """A calendar date written YYYY-MM-DD (the only form the file formats accept)."""
    value = text.strip()
    if not _DATE.match(value):
        raise InputError(f"{text!r} is not a date (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{text!r} is not a real date", field=field) from None


def parse_hhmm(text: str, *, field: str | None = None) -> time:
    """A 24-hour clock time written HH:MM, as in CSV files and `--start`."""
    match = _HHMM.match(text.strip())
    if not match:
        raise InputError(f"{text!r} is not a time (HH:MM, 24-hour)", field=field)
    return time(int(match.group(1)), int(match.group(2)))


_TYPED = re.compile(r"^(\d{1,2})(?::?(\d{2}))?\s*([ap])?\.?m?\.?$", re.IGNORECASE)


def parse_typed_time(text: str, *, near: time | None = None, field: str | None = None) -> time:
    """A time typed by hand in group: "6:40", "6:40p", "640pm", "18:40".

    Without am/pm, a 12-hour reading ("6:40") is taken as the one closest to
    ``near`` (the session's time), so "6:40" in an evening group means 18:40.
    """
    match = _TYPED.match(text.strip())
    if not match:
        raise InputError(f"{text!r} is not a time (try 6:40p or 18:40)", field=field)
    hour, minute, meridiem = match.group(1), match.group(2) or "00", match.group(3)
    canonical = f"{hour}:{minute}" + (f" {meridiem}m" if meridiem else "")
    try:
        from dateutil import parser as dateparser   # ~10 ms to import: only when a time is typed
        parsed = dateparser.parse(canonical)
    except (ValueError, OverflowError):
        raise InputError(f"{text!r} is not a time (try 6:40p or 18:40)", field=field) from None
    result = parsed.time()
    if near is not None and not meridiem and 1 <= result.hour <= 12:
        candidates = [result.replace(hour=result.hour % 12), result.replace(hour=result.hour % 12 + 12)]
        near_minutes = near.hour * 60 + near.minute
        result = min(candidates, key=lambda t: abs(t.hour * 60 + t.minute - near_minutes))
    return result
