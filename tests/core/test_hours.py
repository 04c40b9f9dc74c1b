"""credited_minutes: time in the room, clipped to the session, minus breaks (hand-worked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.core.hours import credited_minutes
from facilitator.core.rules import Status

CHI = ZoneInfo("America/Chicago")


def at(hour: int, minute: int = 0, day: int = 18, month: int = 11, fold: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHI, fold=fold)


START, END = at(18), at(21)                       # a 180-minute evening group
BREAK = [(at(19, 30), at(19, 45))]                # 15-minute break


def test_present_whole_session_minus_break() -> None:
    # 18:00-21:00 = 180, minus break 19:30-19:45 = 15 -> 165
    assert credited_minutes(Status.PRESENT, None, None, START, END, BREAK) == 165


def test_no_breaks() -> None:
    assert credited_minutes(Status.PRESENT, None, None, START, END) == 180


def test_late_arrival() -> None:
    # arrived 18:40: 18:40-21:00 = 140, break inside -> 125
    assert credited_minutes(Status.LATE, at(18, 40), None, START, END, BREAK) == 125


def test_left_early() -> None:
    # left 19:20: 18:00-19:20 = 80, break not in that span -> 80
    assert credited_minutes(Status.LEFT_EARLY, None, at(19, 20), START, END, BREAK) == 80


def test_arrival_before_start_is_clipped() -> None:
    # arrived 17:45, session starts 18:00 -> counted from 18:00: 180 - 15 = 165
    assert credited_minutes(Status.PRESENT, at(17, 45), None, START, END, BREAK) == 165


def test_departure_after_end_is_clipped() -> None:
    # left 21:20 -> counted to 21:00: 180 - 15 = 165
    assert credited_minutes(Status.PRESENT, None, at(21, 20), START, END, BREAK) == 165


def test_arrival_after_end_credits_nothing() -> None:
    assert credited_minutes(Status.LATE, at(21, 5), None, START, END, BREAK) == 0


def test_departure_before_arrival_credits_nothing() -> None:
    assert credited_minutes(Status.LATE, at(19), at(18, 30), START, END) == 0


def test_break_partially_overlapping_the_stay() -> None:
    # arrived 19:40 (during the break): 19:40-21:00 = 80, break overlap 19:40-19:45 = 5 -> 75
    assert credited_minutes(Status.LATE, at(19, 40), None, START, END, BREAK) == 75
    # left 19:35 (during the break): 18:00-19:35 = 95, overlap 19:30-19:35 = 5 -> 90
    assert credited_minutes(Status.LEFT_EARLY, None, at(19, 35), START, END, BREAK) == 90


def test_break_outside_the_session_is_ignored() -> None:
    assert credited_minutes(Status.PRESENT, None, None, START, END, [(at(21, 10), at(21, 30))]) == 180


def test_overlapping_breaks_are_not_subtracted_twice() -> None:
    # breaks 19:30-19:45 and 19:40-19:50 cover 19:30-19:50 = 20 -> 180 - 20 = 160
    spans = [(at(19, 30), at(19, 45)), (at(19, 40), at(19, 50))]
    assert credited_minutes(Status.PRESENT, None, None, START, END, spans) == 160


@pytest.mark.parametrize("status", [Status.ABSENT, Status.EXCUSED])
def test_absent_and_excused_credit_nothing(status: Status) -> None:
    assert credited_minutes(status, None, None, START, END, BREAK) == 0
    assert credited_minutes(status, at(18), at(21), START, END) == 0


def test_telehealth_credits_like_present() -> None:
    assert credited_minutes(Status.TELEHEALTH, None, None, START, END, BREAK) == 165
    assert credited_minutes(Status.TELEHEALTH, at(18, 10), at(20), START, END, BREAK) == 95


def test_partial_minutes_round_down() -> None:
    # 18:00:00 .. 18:10:59 is 10 whole minutes
    assert credited_minutes(Status.LEFT_EARLY, None, at(18, 10) + timedelta(seconds=59), START, END) == 10


def test_fall_back_night_counts_real_elapsed_minutes() -> None:
    # 2026-11-01, Chicago: at 02:00 CDT clocks go back to 01:00 CST.
    # 00:30 CDT (05:30 UTC) .. 03:30 CST (09:30 UTC) = 4 real hours = 240 minutes,
    # although the wall clock only moves 3 hours.
    start = at(0, 30, day=1)
    end = at(3, 30, day=1)
    assert credited_minutes(Status.PRESENT, None, None, start, end) == 240
    # Arrived at the second 01:30 (CST, fold=1, 07:30 UTC): 07:30 .. 09:30 UTC = 120
    assert credited_minutes(Status.LATE, at(1, 30, day=1, fold=1), None, start, end) == 120
    # Arrived at the first 01:30 (CDT, fold=0, 06:30 UTC): 06:30 .. 09:30 UTC = 180
    assert credited_minutes(Status.LATE, at(1, 30, day=1, fold=0), None, start, end) == 180
    # A break at the second 01:00-01:15 (CST) is 15 minutes inside: 240 - 15 = 225
    brk = [(at(1, 0, day=1, fold=1), at(1, 15, day=1, fold=1))]
    assert credited_minutes(Status.PRESENT, None, None, start, end, brk) == 225


def test_mixed_offsets_compare_as_instants() -> None:
    # Times read back from ISO strings carry fixed offsets; they mix with zone times.
    start_fixed = datetime.fromisoformat("2026-11-18T18:00:00-06:00")
    arrived_utc = datetime(2026, 11, 19, 0, 30, tzinfo=UTC)   # 18:30 CST
    assert credited_minutes(Status.LATE, arrived_utc, None, start_fixed, END, BREAK) == 135


_minutes = st.integers(min_value=-60, max_value=240)


@given(_minutes, _minutes, _minutes, _minutes, st.sampled_from(list(Status)))
def test_properties(arrive: int, leave: int, brk_start: int, brk_len: int, status: Status) -> None:
    arrived = START + timedelta(minutes=arrive)
    left = START + timedelta(minutes=leave)
    brk = [(START + timedelta(minutes=brk_start), START + timedelta(minutes=brk_start + abs(brk_len)))]
    got = credited_minutes(status, arrived, left, START, END, brk)
    assert 0 <= got <= 180
    assert got <= credited_minutes(status, None, None, START, END)
    if not status.credits_time:
        assert got == 0
    # without the break, never less
    assert got <= credited_minutes(status, arrived, left, START, END)
