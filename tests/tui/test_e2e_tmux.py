"""The real program in a real 80×24 terminal (tmux): opens, shows the roster, themes, quits."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from tests.conftest import FAKE_NOW, FakeClock, make_test_clinic
from tests.faketime import program_at

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]


def _capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                          capture_output=True, text=True, check=True).stdout


def _wait_for(session: str, text: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def test_app_at_80x24_in_tmux(tmp_path: Path):
    root = tmp_path / "clinic"
    data = make_test_clinic(root, clock=FakeClock(), user=os_user(), display_name="E2E Admin")
    PinStore(root, FakeClock()).set_pin(os_user(), "246810")   # no first-launch PIN screen
    program = program_at(tmp_path, FAKE_NOW)   # the app starts at the clinic's fake "now"
    session = f"fac-{uuid.uuid4().hex[:8]}"
    command = f"FACILITATOR_DATA={root} {program}; echo EXITED-$?; sleep 5"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        _wait_for(session, "Roster")
        screen = _wait_for(session, "Quit")  # the footer draws after the tables
        assert "Test Clinic" in screen and "E2E Admin (admin)" in screen
        current = [c for c in data.snapshot().clients.values() if c.discharged is None]
        for client in current:
            assert client.name in screen
        assert "F1 Help" in screen.replace("f1", "F1") and "q Quit" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "t"], check=True)
        time.sleep(0.5)
        assert "Roster" in _capture(session)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        _wait_for(session, "EXITED-0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
