"""A counselor's day in a real 80x24 terminal (tmux), keys only, on a faked clock
(faketime: Mon 23 Nov 2026, 17:58 in Chicago): a 10-client evening group with late,
telehealth and absent marks, varied picks, a line of text, group notes on two blocks; end
it, sign every drafted note; then the review queue and the weekly view. Every screen is
captured and checked for lines cut mid-word and for engineer's words; the stored records
are checked after.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.pins import PinStore
from tests.conftest import make_test_clinic
from tests.faketime import run_at
from tests.tui.day_script import (
    Terminal,
    assert_screens_clean,
    assert_the_group_stored,
    data_words,
    run_the_group,
    tmux,
)
from tests.tui.session_helpers import add_clients

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("faketime") is None,
                                 reason="needs tmux and faketime")]

FAKE_START = datetime(2026, 11, 23, 23, 58, tzinfo=UTC)   # 17:58 in Chicago


def test_a_counselors_day_at_80x24(tmp_path: Path):
    root = tmp_path / "clinic"
    started = time.monotonic()

    def clock() -> datetime:
        return FAKE_START + timedelta(seconds=time.monotonic() - started)

    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="E2E Counselor")
    PinStore(root, clock).set_pin(os_user(), "246810")   # a PIN exists: no first-launch PIN screen
    add_clients(data)                                  # ten clients in the evening group
    program = Path(sys.executable).with_name("facilitator")
    name = f"day-{uuid.uuid4().hex[:8]}"
    command = f"FACILITATOR_DATA={root} {run_at(FAKE_START)} {program}; echo EXITED-$?; sleep 30"
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
    term = Terminal(name)
    try:
        keys_to_sign = run_the_group(term)
        assert keys_to_sign == 20 <= 3 * 9             # the README's figure and the budget
        term.capture("all signed", "all signed")
        term.keys("Enter")
        term.capture("signed note", "Signed and locked, unchanged since signing")
        term.keys("Escape")
        time.sleep(0.3)
        term.keys("Escape")
        term.capture("home after", "ended")
        term.keys("v")
        term.capture("review", "Notes to review")
        term.keys("Escape")                            # (one key per send: ESC + w is alt+w)
        term.keys("w")
        term.capture("weekly", "Hours")
        term.keys("Escape")
        term.keys("q")
        term.wait_for("EXITED-0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)

    assert_screens_clean(term.captures, data_words(data))

    # What was stored.
    assert_the_group_stored(DataDir.open(root, user=os_user(), clock=clock))
