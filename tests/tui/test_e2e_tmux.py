"""The real program in a real 80×24 terminal (tmux): opens, shows the roster, themes, quits."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from tests.conftest import FAKE_NOW, FakeClock, make_test_clinic
from tests.faketime import program_at
from tests.tmux import Terminal, needs_tmux

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_tmux]


def test_app_at_80x24_in_tmux(tmp_path: Path):
    root = tmp_path / "clinic"
    data = make_test_clinic(root, clock=FakeClock(), user=os_user(), display_name="E2E Admin")
    PinStore(root, FakeClock()).set_pin(os_user(), "246810")   # no first-launch PIN screen
    program = program_at(tmp_path, FAKE_NOW)   # the app starts at the clinic's fake "now"
    command = f"FACILITATOR_DATA={root} {program}; echo EXITED-$?; sleep 5"
    with Terminal(command, settle=0.5) as term:
        term.wait_for("Roster")
        screen = term.wait_for("Quit")  # the footer draws after the tables
        assert "Test Clinic" in screen and "E2E Admin (admin)" in screen
        current = [c for c in data.snapshot().clients.values() if c.discharged is None]
        for client in current:
            assert client.name in screen
        assert "F1 Help" in screen.replace("f1", "F1") and "q Quit" in screen
        term.keys("t")
        assert "Roster" in term.screen()
        term.keys("q")
        term.wait_for("EXITED-0")
