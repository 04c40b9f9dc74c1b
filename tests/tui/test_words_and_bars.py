"""Plain words and honest bars: hand-worked cases for the small text helpers."""

from __future__ import annotations

import errno
from datetime import date

from facilitator.core.hours import Flag, WeeklyRow, hours_down, hours_up
from facilitator.core.permissions import ACTION_WORDS, PERMISSIONS, require
from facilitator.core.rules import Role
from facilitator.tui.widgets.hoursbar import bar, needs_cell, needs_phrase
from facilitator.tui.widgets.problem import refusal_sentence


def row(credited: int, required: float = 9.0, flag: Flag = Flag.BELOW, left: int = 0,
        closed: int = 0) -> WeeklyRow:
    return WeeklyRow("c1", required, credited, 0, {date(2026, 11, 23): credited}, flag=flag,
                     sessions_left=left, closed_meetings=closed, usual_meetings=3 if closed else 0)


def test_one_credited_minute_fills_no_cell_and_bars_round_down_like_the_hours():
    assert bar(1, 540, 10, "").plain == "░" * 10          # 0.0 h: nothing filled
    assert hours_down(1) == "0.0"
    # 53 of 540 minutes: 0.98 of a cell -> 0 filled, as 0.8 h is shown, not rounded up
    assert bar(53, 540, 10, "").plain.count("█") == 0
    assert bar(54, 540, 10, "").plain.count("█") == 1     # exactly one tenth
    assert bar(539, 540, 10, "").plain.count("█") == 9    # 8.9 h: not a full bar
    assert (hours_down(539), hours_up(1)) == ("8.9", "0.1")


def test_needs_says_sessions_in_words_and_names_a_holiday_week():
    assert needs_cell(row(360, left=1)) == "3.0 h in 1 session"
    assert needs_cell(row(300, left=2)) == "4.0 h in 2 sessions"
    assert needs_cell(row(360, 6.0, Flag.MET, closed=1)) == "holiday week"
    assert needs_cell(row(300, 6.0, Flag.AT_RISK, left=1, closed=1)) == "1.0 h in 1 session, holiday week"
    assert "holiday week: 1 of 3 meetings closed" in needs_phrase(row(360, 6.0, Flag.MET, closed=1))


def test_refusals_say_what_was_refused_in_words_not_action_ids():
    assert set(ACTION_WORDS) == set(PERMISSIONS)
    try:
        require(Role.SUPERVISOR, "session.run", user="sup1")
    except Exception as refused:   # noqa: BLE001
        text = refusal_sentence(refused)
    assert text == "sup1 is a supervisor; only admins and counselors may run a group session."
    assert "(" not in text


def test_os_errors_have_no_errno_on_screen():
    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/clinic/clinic.json")
    text = refusal_sentence(denied)
    assert "Errno" not in text and "/srv/clinic/clinic.json" in text and "permissions" in text
    full = OSError(errno.ENOSPC, "No space left on device", "/srv/clinic/records")
    assert refusal_sentence(full).startswith("The disk is full")
