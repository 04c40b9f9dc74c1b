"""Issue #20 acceptance: a counselor's evening and next morning, in a real 80x24 terminal (tmux)
under libfaketime, keys only.

Monday 23 November 2026, 17:58 in Chicago: the counselor (not an admin) starts the evening
group, marks everyone present, starts the agenda, and closes the app with ctrl+q, forgetting
E. Tuesday 08:30 they open it again: after the PIN it asks when the session ended, the
scheduled 21:00 typed in; E then Enter accept it. On the end screen they sign the first note
unchanged, then find that client came in at 18:20: T, the arrival, the reason, Enter.

Then the record says so: the session ended at 21:00; the client is late from 18:20 with the
counselor's reason in the correction; the signed note is unchanged and has an automatic
addendum (the minutes before and after, the reason); the review queue flags it; billing
counts 160 minutes (18:20-21:00, no break ran); the audit names ids, never a name.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from facilitator.core.corrections import ADDENDUM_OPENING, CORRECTED_AFTER_SIGNING
from facilitator.core.notes import verify_note
from facilitator.core.rules import Status
from facilitator.core.session import SessionState
from facilitator.store.clinic import open_clinic
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.notes import review_queue
from facilitator.store.pins import PinStore
from facilitator.store.records import SessionFile
from facilitator.store.reports import billing_days
from facilitator.store.staff import add_staff
from tests.conftest import CHICAGO, FakeClock, make_test_clinic
from tests.faketime import program_at
from tests.tmux import Terminal, needs_tmux

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_tmux]

PIN = "246810"
REASON = "sign-in sheet shows 18:20"
SESSION_ID = "2026-11-23-1800-evening-iop"
NAMES = ("Avery", "Testperson", "Blake", "Sampleton", "Casey", "Placeholder")


def at(hh: int, mm: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


def counselor_clinic(root: Path) -> DataDir:
    """The invented test clinic, made by another account (its admin); this OS account is
    one of its counselors, with a PIN (so no first-launch PIN screen)."""
    clock = FakeClock(at(17, 0))
    admin = make_test_clinic(root, clock=clock, user="e2e-admin", display_name="E2E Admin")
    add_staff(admin, os_user(), "E2E Counselor", "counselor")
    PinStore(root, clock).set_pin(os_user(), PIN)
    return open_clinic(root, user=os_user(), clock=clock)


def wait(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def monday_evening(term: Terminal, file: SessionFile) -> None:
    """Start the group, everyone present, the agenda running; then ctrl+q, without E."""
    term.wait_for("Roster")
    term.keys("s")
    term.wait_for("Start a session")
    term.keys("Enter")                    # Evening IOP, its usual plan
    term.wait_for("present 0/3")
    term.keys("P")
    term.wait_for("present 3/3")
    term.keys("n")                        # the agenda starts
    term.wait_for("1/6")
    term.keys("C-q")                      # forgot E
    term.wait_for("EXITED-0")
    assert file.read().header.state is SessionState.RUNNING


def tuesday_morning(term: Terminal, file: SessionFile) -> str:
    """E Enter at the scheduled end, sign the first note, correct its client; their id."""
    term.wait_for("Locked")               # a session is running: the PIN first
    term.keys(PIN, "Enter")
    screen = term.wait_for("When did Evening IOP end?")
    # The question offers the scheduled end (the agenda pane behind the dialog may still draw
    # its overtime figure for a frame: what counts is that nothing is credited past the answer).
    assert "was due to end at 21:00" in screen
    term.keys("E", "Enter")
    term.wait_for("3 attended")
    wait(lambda: len(file.notes()) == 3)  # drafts are written as the end screen opens
    term.keys("S")
    term.wait_for("unchanged and lock it?")
    term.keys("y")
    wait(lambda: any(n.signed for n in file.notes().values()))
    signed = [cid for cid, n in file.notes().items() if n.signed]
    assert len(signed) == 1
    term.keys("Up")                       # signing moved on to the next draft: back to it
    term.keys("T")
    screen = term.wait_for("Correct attendance:")
    term.keys("Tab")                      # status stays; the times name it
    term.type("18:20")
    term.keys("Tab", "Tab")               # past "left at", to the reason
    term.type(REASON)
    term.keys("Enter")
    screen = term.wait_for("late 18:20")
    term.wait_for("Corrected: ")                          # said on the hint line, and stays
    time.sleep(2)                                         # past the live re-read of the file
    screen = term.wait_for("Corrected: ")
    assert re.search(r"Corrected: \w+ \w+, now 160 min\.", screen), screen
    assert re.search(r"late 18:20 +160 min +signed \+ 1 addendum", screen), screen
    assert "1 of 3 signed" in screen
    term.keys("Escape")
    term.keys("C-q")
    term.wait_for("EXITED-0")
    return signed[0]


def test_forgot_to_end_then_next_morning_sign_and_correct(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    data = counselor_clinic(root)
    file = data.session_file(SESSION_ID)
    monday = program_at(tmp_path / "mon", at(17, 58))
    tuesday = program_at(tmp_path / "tue", at(8, 30, day=24))
    with Terminal(f"FACILITATOR_DATA={root} {monday}; echo EXITED-$?; sleep 30") as term:
        monday_evening(term, file)
        term.respawn(f"FACILITATOR_DATA={root} {tuesday}; echo EXITED-$?; sleep 30")
        client_id = tuesday_morning(term, file)

    record = file.read()
    header = record.header
    assert header.state is SessionState.ENDED and header.actual_end == at(21, 0)
    assert header.facilitators == (os_user(),)
    started = header.start
    assert at(17, 58) <= started < at(18, 0)
    whole = int((at(21, 0) - started).total_seconds() // 60)   # present throughout: 181 or 182
    entry = record.attendance[client_id]
    assert (entry.status, entry.arrived) == (Status.LATE, at(18, 20))
    assert entry.corrections[-1].reason == REASON and entry.corrections[-1].by == os_user()

    note = file.notes()[client_id]
    assert note.signed and verify_note(note) == []          # the signed text is untouched
    assert f"attended {whole} of {whole} treatment minutes" in note.body
    addendum = note.addenda[-1].body
    assert addendum.startswith(ADDENDUM_OPENING) and REASON in addendum
    assert f"({whole} minutes credited)" in addendum and "(160 minutes credited)" in addendum
    queue, _ = review_queue(data, at(0, 0).date(), at(0, 0).date())
    assert [(i.client_id, i.flag) for i in queue if i.flag] == [(client_id, CORRECTED_AFTER_SIGNING)]

    rows, _ = billing_days(data, at(0, 0).date(), at(0, 0).date())
    assert {(r.client_id, r.minutes, f"{r.stop:%H:%M}") for r in rows} == {
        (cid, 160 if cid == client_id else whole, "21:00") for cid in ("T001", "T002", "T003")}

    audit = [e for _, _, e in data.audit.entries() if e]
    assert any(e["action"] == "attendance.correct" and e["user"] == os_user() and e["record"] == SESSION_ID
               for e in audit)
    text = json.dumps(audit)
    assert not any(name in text for name in NAMES) and REASON not in text

