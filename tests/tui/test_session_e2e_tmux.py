"""The session screen in a real 80×24 terminal (tmux), keys only: start a group, take
attendance, run the clock, write a line; then SIGKILL the app mid-session and relaunch it:
the same attendance, notes and agenda position come back, with the clock where it should be;
then end the session and sign every drafted note unchanged, counting the keys.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.core.rules import Status
from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from facilitator.store.running import find_running
from tests.conftest import make_test_clinic
from tests.faketime import run_at
from tests.tmux import Terminal
from tests.tui.session_helpers import add_clients

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("faketime") is None,
                                 reason="needs tmux and faketime")]

# The app runs under faketime from Mon 23 Nov 2026, 17:58 in Chicago (two minutes before the
# evening group), so nothing depends on the hour the test happens to run at.
FAKE_START = datetime(2026, 11, 23, 23, 58, tzinfo=UTC)


def test_a_session_by_keys_survives_a_kill(tmp_path: Path):
    root = tmp_path / "clinic"
    started = time.monotonic()

    def clock() -> datetime:
        return FAKE_START + timedelta(seconds=time.monotonic() - started)

    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="E2E Counselor")
    PinStore(root, clock).set_pin(os_user(), "246810")   # no first-launch PIN screen
    add_clients(data)
    program = Path(sys.executable).with_name("facilitator")

    def command() -> str:      # the faked clock carries on from where it is (also after a kill)
        return f"FACILITATOR_DATA={root} {run_at(clock())} {program}; echo EXITED-$?; sleep 30"

    with Terminal(command()) as term:
        term.wait_for("Roster")
        term.keys("s")                      # any group, any plan: the picker
        term.wait_for("Start a session")
        term.keys("Enter")                  # Evening IOP with its usual plan
        term.wait_for("present 0/10")
        term.keys("P")                      # everyone is here
        term.wait_for("present 10/10")
        term.keys("n")                      # start the agenda (17:58)
        term.keys("Down", "Down", "l")      # one came late
        term.wait_for("1/6 · check in")
        term.keys("Up", "Tab", "1", "Tab")  # the pane: a word, then the line
        term.type("Spoke about the weekend")
        deadline = time.monotonic() + 10         # autosave: within 2 s of the last key
        while time.monotonic() < deadline:
            if any(a.text == "Spoke about the weekend" for a in find_running(data).record().attendance.values()):
                break
            time.sleep(0.1)
        running = find_running(data)
        record = running.record()
        late = [c for c, a in record.attendance.items() if a.status is Status.LATE]
        assert len(late) == 1 and record.attendance[late[0]].block_picks == (("engaged", 0),)  # Check-in's
        assert record.attendance[late[0]].text == "Spoke about the weekend"

        os.kill(term.app_pid(), signal.SIGKILL)   # a crash, mid-session
        term.wait_for("EXITED-137")
        term.respawn(command())
        term.wait_for("Locked")                 # a session is running: the PIN first
        term.keys("246810", "Enter")
        screen = term.wait_for("present 10/10")  # then straight back into the session
        assert "1/6 · check in" in screen and "late" in screen
        assert find_running(data).record() == record
        term.keys("Down", "Down")
        term.wait_for("1✓engaged")              # the late client's picks are back
        keys_to_sign = 0
        term.keys("E")
        term.wait_for("End the session now?")
        term.keys("y")
        keys_to_sign += 2
        term.wait_for("10 attended")            # the end-of-session screen takes over
        assert find_running(data) is None
        notes_file = running.file
        deadline = time.monotonic() + 10
        while len(notes_file.notes()) < 10 and time.monotonic() < deadline:
            time.sleep(0.2)                          # drafts are written as the screen opens
        for _ in range(10):                          # S, y: sign the highlighted draft unchanged
            term.keys("S")
            term.wait_for("unchanged and lock it?")
            term.keys("y")
            keys_to_sign += 2
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            notes = notes_file.notes()
            if len(notes) == 10 and all(n.signed for n in notes.values()):
                break
            time.sleep(0.2)
        notes = notes_file.notes()
        assert len(notes) == 10 and all(n.signed and n.content_hash for n in notes.values())
        # The budget: ending the session and signing every draft unchanged, <= 3 keys a client.
        assert keys_to_sign <= 3 * 10
