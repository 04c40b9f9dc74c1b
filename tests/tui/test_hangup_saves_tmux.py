"""Issue #20, case 6, the real program in a real 80x24 terminal (tmux) under libfaketime: a
group note typed a moment before SIGHUP, or before the terminal goes (the tmux session killed,
as a dropped SSH connection closes its pseudo-terminal), is on disk when the program has ended.
Autosave waits 0.8 s after typing stops; the hang-up comes sooner.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.rules import Status
from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from facilitator.store.running import RunningSession, start_session
from tests.conftest import CHICAGO, FakeClock, make_test_clinic
from tests.faketime import program_at
from tests.tmux import Terminal, needs_tmux, tmux

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_tmux]

PIN = "246810"


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 23, hh, mm, tzinfo=CHICAGO)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def _ended(pid: int, seconds: float | None = None) -> bool:
    """Whether the process ends within the app's own bound: the hang-up grace, then at most
    the write queue's drain (a queued autosave behind a lock), and a margin for a loaded
    machine (15 s was less than that bound once the queue came, and failed under load)."""
    from facilitator.tui.hangup import GRACE_SECONDS
    from facilitator.tui.writes import DRAIN_SECONDS
    seconds = GRACE_SECONDS + DRAIN_SECONDS + 15 if seconds is None else seconds
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _running_group(root: Path) -> RunningSession:
    clock = FakeClock(at(17, 55))
    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="E2E Counselor")
    PinStore(root, clock).set_pin(os_user(), PIN)
    running = start_session(data, "Evening IOP")
    clock.set(at(18, 2))
    running.update_agenda(lambda b, now: AgendaClock(b).start(now))
    running.mark("T001", Status.PRESENT)
    return running


def _type_group_note_then(tmp_path: Path, hang_up) -> RunningSession:
    """Open the running session at 18:10, type a group note and ``hang_up(session, pid)`` as
    soon as it shows (before the autosave); returns the session once the program has ended."""
    root = tmp_path / "clinic"
    running = _running_group(root)
    program = program_at(tmp_path, at(18, 10))
    pid_file = tmp_path / "pid"
    command = f"echo $$ > {pid_file}; FACILITATOR_DATA={root} exec {program}"
    with Terminal(command, settle=0) as term:         # no pause after keys: the race is the point
        term.wait_for("Locked")
        term.keys(PIN, "Enter")
        term.wait_for("Participation")
        pid = int(pid_file.read_text())
        time.sleep(1.0)           # the screen under the lock takes focus back first; then tab on
        term.keys("Tab", "Tab", "Tab")                   # the words, the client's line, the group note
        time.sleep(0.5)
        typed = ""
        words = ("Role", "play", "in", "pairs", "then", "a", "check", "out")
        for word in words:                               # until one shows before it is saved
            typed = f"{typed} {word}".strip()
            term.type(f" {word}" if typed != word else word)
            term.wait_for(typed, step=0.05)
            if running.record().blocks[0].note != typed:
                break
        if running.record().blocks[0].note == typed:     # a machine too loaded to race autosave
            pytest.skip("autosave saved every word before the hang-up could be sent")
        hang_up(term.name, pid)
        assert _ended(pid), "the program did not end"
    assert running.record().blocks[0].note == typed
    return running


def test_sighup_saves_the_group_note_typed_just_before(tmp_path: Path) -> None:
    _type_group_note_then(tmp_path, lambda session, pid: os.kill(pid, signal.SIGHUP))


def test_a_dropped_terminal_saves_the_group_note_typed_just_before(tmp_path: Path) -> None:
    _type_group_note_then(tmp_path, lambda session, pid: tmux("kill-session", "-t", session))
