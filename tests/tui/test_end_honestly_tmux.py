"""Issue #20, case 1, the real program in a real 80x24 terminal (tmux) under libfaketime, keys
only: the Monday evening group was started at 18:02 and the app closed without E; it is
opened again Tuesday 08:30. After the PIN it asks when the session ended, 21:00 typed in:
E then Enter accept it, and billing says 18:02-21:00, 168 minutes, not 14 hours.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.rules import Status
from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from facilitator.store.reports import billing_days
from facilitator.store.running import start_session
from tests.conftest import CHICAGO, FakeClock, make_test_clinic
from tests.faketime import program_at
from tests.tmux import Terminal, needs_tmux

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_tmux]


def at(hh: int, mm: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


def test_reopened_next_morning_e_enter_ends_it_at_the_scheduled_end(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    clock = FakeClock(at(17, 55))
    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="E2E Counselor")
    PinStore(root, clock).set_pin(os_user(), "246810")
    running = start_session(data, "Evening IOP")
    for when in (at(18, 2), at(18, 22), at(19, 7), at(19, 17), at(20, 2), at(20, 45)):
        clock.set(when)
        running.update_agenda(lambda b, now: (AgendaClock(b).next(now) if AgendaClock(b).started
                                              else AgendaClock(b).start(now)))
        if when == at(18, 2):
            running.mark("T001", Status.PRESENT)
            running.mark("T002", Status.PRESENT)

    program = program_at(tmp_path, at(8, 30, day=24))
    with Terminal(f"FACILITATOR_DATA={root} {program}; echo EXITED-$?; sleep 5") as term:
        term.wait_for("Locked")                         # a session is running: the PIN first
        term.keys("246810", "Enter")
        screen = term.wait_for("When did Evening IOP end?")
        assert "21:00" in screen and "OVERTIME" not in screen
        term.keys("E", "Enter")
        term.wait_for("2 attended")                     # the end-of-session screen
        term.keys("q")
        term.keys("ctrl+q")
        term.wait_for("EXITED-0")
    header = running.record().header
    assert (header.actual_start, header.actual_end) == (at(18, 2), at(21, 0))
    rows, _ = billing_days(data, at(0, 0).date(), at(0, 0).date())
    assert [(r.client_id, f"{r.stop:%H:%M}", r.minutes) for r in rows] == \
        [("T001", "21:00", 168), ("T002", "21:00", 168)]
