"""Recovery-plan goals end to end in a real 80×24 terminal (tmux), keys only: a group whose
attendees all have plans; each client's work is linked to one of their goals with g + number;
the session ends and every draft is signed unchanged; every signed note names that client's
own goals and no other client's. Every name and goal is invented.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from facilitator.store import recovery
from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from facilitator.store.running import find_running
from tests.conftest import FAKE_NOW, FakeClock, make_test_clinic
from tests.faketime import program_at
from tests.tmux import Terminal, needs_tmux

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_tmux]

GOALS = {
    "T001": ("Get my license back", "Stop drinking after work"),
    "T002": ("Reconnect with my sister", "Keep my apartment"),
    "T003": ("Get off the pills safely", "Eat three meals a day"),
}


def test_every_signed_note_names_its_own_clients_goals(tmp_path: Path):
    root = tmp_path / "clinic"
    data = make_test_clinic(root, clock=FakeClock(), user=os_user(), display_name="E2E Counselor")
    PinStore(root, FakeClock()).set_pin(os_user(), "246810")   # a PIN exists: no first-launch PIN screen
    for client_id, goals in GOALS.items():
        for text in goals:
            recovery.add(data, client_id, text, objectives=("Checked weekly in group",))
    program = program_at(tmp_path, FAKE_NOW)   # the app starts at the clinic's fake "now"
    command = f"FACILITATOR_DATA={root} {program}; echo EXITED-$?; sleep 30"
    with Terminal(command) as term:
        term.wait_for("Roster")
        term.keys("s")
        term.wait_for("Start a session")
        term.keys("Enter")                          # Evening IOP: T001, T002, T003
        term.wait_for("present 0/3")
        term.keys("P", "n")                         # all present; the agenda starts
        term.wait_for("present 3/3")
        term.keys("Home")
        order = []
        for step in range(3):                            # link goal 1, 2, 1 in list order
            screen = term.wait_for("Goal 1")
            shown = next(cid for cid, goals in GOALS.items() if goals[0] in screen)
            order.append(shown)
            assert all(GOALS[other][0] not in screen for other in GOALS if other != shown)
            number = "2" if step == 1 else "1"
            term.keys("g")
            term.wait_for("to a goal")
            term.keys(number)
            term.wait_for(f"Goal {number} ✓")
            term.keys("Down")
        record = find_running(data).record()
        assert {cid: a.goal_links for cid, a in record.attendance.items()} == {
            order[0]: ((1, 0),), order[1]: ((2, 0),), order[2]: ((1, 0),)}

        term.keys("E")
        term.wait_for("End the session now?")
        term.keys("y")
        term.wait_for("3 attended")
        assert find_running(data) is None                # ended
        file = data.session_file(record.header.session_id)
        deadline = time.monotonic() + 10
        while len(file.notes()) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        for _ in range(3):
            term.keys("S")
            term.wait_for("unchanged and lock it?")
            term.keys("y")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(n.signed for n in file.notes().values()):
            time.sleep(0.2)
        notes = file.notes()
        assert len(notes) == 3 and all(n.signed for n in notes.values())
        for client_id, note in notes.items():
            own = GOALS[client_id]
            assert "Progress toward plan goals:" in note.body
            assert all(f'"{text}"' in note.body for text in own)
            linked = 2 if client_id == order[1] else 1
            assert f'Goal {linked}, "{own[linked - 1]}": addressed in ' in note.body
            assert f'"{own[2 - linked]}": not addressed in this group.' in note.body
            for other, texts in GOALS.items():
                if other != client_id:
                    assert not any(text in note.body for text in texts)
