"""The session screen in a real 80×24 terminal (tmux), keys only: start a group, take
attendance, run the clock, write a line; then SIGKILL the app mid-session and relaunch it:
the same attendance, notes and agenda position come back, with the clock where it should be;
then end the session and sign every drafted note unchanged, counting the keys.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.core.rules import Status
from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from facilitator.store.running import find_running
from tests.conftest import make_test_clinic
from tests.faketime import run_at
from tests.tui.session_helpers import add_clients

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("faketime") is None,
                                 reason="needs tmux and faketime")]

# The app runs under faketime from Mon 23 Nov 2026, 17:58 in Chicago (two minutes before the
# evening group), so nothing depends on the hour the test happens to run at.
FAKE_START = datetime(2026, 11, 23, 23, 58, tzinfo=UTC)


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _wait_for(session: str, text: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def _keys(session: str, *keys: str, literal: bool = False) -> None:
    _tmux("send-keys", "-t", session, *(("-l",) if literal else ()), *keys)
    time.sleep(0.3)


def _app_pid(session: str) -> int:
    """The facilitator process under the pane's shell."""
    pane = int(_tmux("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])
    for _ in range(50):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pane and b"facilitator" in cmdline:
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError("the app process was not found")


def test_a_session_by_keys_survives_a_kill(tmp_path: Path):
    root = tmp_path / "clinic"
    started = time.monotonic()

    def clock() -> datetime:
        return FAKE_START + timedelta(seconds=time.monotonic() - started)

    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="E2E Counselor")
    PinStore(root, clock).set_pin(os_user(), "246810")   # no first-launch PIN screen
    add_clients(data)
    program = Path(sys.executable).with_name("facilitator")
    session = f"fac-{uuid.uuid4().hex[:8]}"

    def command() -> str:      # the faked clock carries on from where it is (also after a kill)
        return f"FACILITATOR_DATA={root} {run_at(clock())} {program}; echo EXITED-$?; sleep 30"

    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command())
    try:
        _wait_for(session, "Roster")
        _keys(session, "s")                      # any group, any plan: the picker
        _wait_for(session, "Start a session")
        _keys(session, "Enter")                  # Evening IOP with its usual plan
        _wait_for(session, "present 0/10")
        _keys(session, "P")                      # everyone is here
        _wait_for(session, "present 10/10")
        _keys(session, "n")                      # start the agenda (17:58)
        _keys(session, "Down", "Down", "l")      # one came late
        _wait_for(session, "1/6 · check in")
        _keys(session, "Up", "Tab", "1", "Tab")  # the pane: a word, then the line
        _keys(session, "Spoke about the weekend", literal=True)
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

        os.kill(_app_pid(session), signal.SIGKILL)   # a crash, mid-session
        _wait_for(session, "EXITED-137")
        _tmux("respawn-pane", "-k", "-t", session, command())
        _wait_for(session, "Locked")                 # a session is running: the PIN first
        _keys(session, "246810", "Enter")
        screen = _wait_for(session, "present 10/10")  # then straight back into the session
        assert "1/6 · check in" in screen and "late" in screen
        assert find_running(data).record() == record
        _keys(session, "Down", "Down")
        _wait_for(session, "1✓engaged")              # the late client's picks are back
        keys_to_sign = 0
        _keys(session, "E")
        _wait_for(session, "End the session now?")
        _keys(session, "y")
        keys_to_sign += 2
        _wait_for(session, "10 attended")            # the end-of-session screen takes over
        assert find_running(data) is None
        notes_file = running.file
        deadline = time.monotonic() + 10
        while len(notes_file.notes()) < 10 and time.monotonic() < deadline:
            time.sleep(0.2)                          # drafts are written as the screen opens
        for _ in range(10):                          # S, y: sign the highlighted draft unchanged
            _keys(session, "S")
            _wait_for(session, "unchanged and lock it?")
            _keys(session, "y")
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
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
