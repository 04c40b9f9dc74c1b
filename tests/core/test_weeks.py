"""Weeks with the clinic's week start, named by ISO week labels (hand-worked)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.core.errors import InputError
from facilitator.core.weeks import MONDAY, SUNDAY, parse_week_label, week_containing


def test_monday_start_week_of_a_wednesday() -> None:
    # Wed 2026-11-18 -> Monday on or before is 2026-11-16; Sunday 2026-11-22.
    # ISO: 2026-01-01 is a Thursday, so W01 starts Mon 2025-12-29;
    # (2026-11-16 - 2025-12-29) = 322 days = 46 weeks -> W47.
    week = week_containing(date(2026, 11, 18), MONDAY)
    assert week.first == date(2026, 11, 16)
    assert week.last == date(2026, 11, 22)
    assert week.label == "2026-W47"
    assert week.days == [date(2026, 11, 16) + timedelta(days=i) for i in range(7)]


def test_a_sunday_ends_a_monday_start_week() -> None:
    # Sun 2026-11-01 belongs to Mon 2026-10-26 .. Sun 2026-11-01 (2026-W44).
    week = week_containing(date(2026, 11, 1), MONDAY)
    assert (week.first, week.last, week.label) == (date(2026, 10, 26), date(2026, 11, 1), "2026-W44")


def test_a_sunday_starts_a_sunday_start_week() -> None:
    # Sun 2026-11-01 .. Sat 2026-11-07; the Monday inside is 2026-11-02 = 2026-W45.
    week = week_containing(date(2026, 11, 1), SUNDAY)
    assert (week.first, week.last, week.label) == (date(2026, 11, 1), date(2026, 11, 7), "2026-W45")
    # Saturday 2026-11-07 is in the same Sunday-start week.
    assert week_containing(date(2026, 11, 7), SUNDAY) == week


def test_week_crossing_a_month() -> None:
    # Mon 2026-11-30 .. Sun 2026-12-06 = 2026-W49.
    week = week_containing(date(2026, 12, 3), MONDAY)
    assert (week.first, week.last, week.label) == (date(2026, 11, 30), date(2026, 12, 6), "2026-W49")
    assert date(2026, 11, 30) in week and date(2026, 12, 6) in week
    assert date(2026, 12, 7) not in week


def test_week_crossing_a_year_takes_the_iso_year() -> None:
    # Thu 2026-12-31: Mon 2026-12-28 .. Sun 2027-01-03; 2026 has 53 ISO weeks -> 2026-W53.
    assert week_containing(date(2027, 1, 1), MONDAY).label == "2026-W53"
    # Sunday start: Sun 2026-12-27 .. Sat 2027-01-02; Monday inside 2026-12-28 -> 2026-W53.
    assert week_containing(date(2027, 1, 2), SUNDAY).label == "2026-W53"
    # Sun 2027-01-03 .. Sat 2027-01-09; Monday inside 2027-01-04 -> 2027-W01.
    assert week_containing(date(2027, 1, 3), SUNDAY).label == "2027-W01"


def test_previous_and_next() -> None:
    week = week_containing(date(2026, 11, 18), MONDAY)
    assert week.next().first == date(2026, 11, 23) and week.next().label == "2026-W48"
    assert week.previous().first == date(2026, 11, 9) and week.previous().label == "2026-W46"
    assert week.next().previous() == week


def test_parse_label_monday_start() -> None:
    week = parse_week_label("2026-W47", MONDAY)
    assert (week.first, week.last) == (date(2026, 11, 16), date(2026, 11, 22))


def test_parse_label_sunday_start_is_the_week_holding_that_monday() -> None:
    # 2026-W47's Monday is 2026-11-16; the Sunday-start week holding it is 11-15 .. 11-21.
    week = parse_week_label("2026-W47", SUNDAY)
    assert (week.first, week.last, week.label) == (date(2026, 11, 15), date(2026, 11, 21), "2026-W47")


def test_parse_label_is_forgiving_of_case_and_spaces() -> None:
    assert parse_week_label(" 2026-w53 ", MONDAY).first == date(2026, 12, 28)


@pytest.mark.parametrize("text", ["", "2026-47", "2026W47", "26-W47", "2026-W00", "2026-W54",
                                  "2025-W53", "2027-W53", "2026-W4", "W47", "2026-W47-1"])
def test_parse_label_rejects_bad_input(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_week_label(text, MONDAY)
    assert "week" in str(err.value)


def test_parse_label_names_the_missing_week_53() -> None:
    with pytest.raises(InputError, match="2025 has no week 53"):
        parse_week_label("2025-W53", MONDAY)


def test_bad_week_start_is_refused() -> None:
    with pytest.raises(ValueError):
        week_containing(date(2026, 11, 18), 7)


def test_week_is_hashable_and_immutable() -> None:
    week = week_containing(date(2026, 11, 18), MONDAY)
    assert {week: 1}[week] == 1
    with pytest.raises(AttributeError):
        week.first = date(2026, 1, 1)  # type: ignore[misc]


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from([MONDAY, SUNDAY]))
def test_properties(day: date, start: int) -> None:
    week = week_containing(day, start)
    assert day in week
    assert week.first.weekday() == start
    assert (week.last - week.first).days == 6
    assert parse_week_label(week.label, start) == week
    assert week.next().first == week.last + timedelta(days=1)


def test_the_first_week_of_the_first_year_parses_when_it_starts_the_sunday_before() -> None:
    # Hypothesis found it: 1990-W01 of a Sunday clinic runs Sun 1989-12-31 .. Sat 1990-01-06;
    # it holds 1990-01-01, so its label names a week a clinic's records may cover.
    week = week_containing(date(1990, 1, 1), SUNDAY)
    assert week.first == date(1989, 12, 31)
    assert parse_week_label("1990-W01", SUNDAY) == week
    with pytest.raises(InputError, match="outside the dates"):
        parse_week_label("1989-W52", SUNDAY)


@pytest.mark.parametrize("text", ["0000-W01", "0001-W01"])
def test_parse_label_out_of_calendar(text: str) -> None:
    # Year 0 does not exist; the Sunday before 0001-01-01 would be before the calendar.
    with pytest.raises(InputError):
        parse_week_label(text, SUNDAY)
