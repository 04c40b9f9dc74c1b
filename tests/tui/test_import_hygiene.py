"""Importing the app module opens no files and imports only the screen every start shows
(home); the others load when first shown (their imports are ≈ 60 ms, tests/bench/README.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

LATER = ("weekly", "review", "session", "staff", "settings", "help", "client", "note", "session_end")


def test_app_module_imports_home_and_no_other_screen():
    code = ("import sys, facilitator.tui.app as a; "
            "print(sorted(m for m in sys.modules if m.startswith('facilitator.tui.')))")
    loaded = eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout)
    assert "facilitator.tui.home" in loaded
    assert [m for m in loaded if m.removeprefix("facilitator.tui.") in LATER] == []


@pytest.fixture
def demo(tmp_path) -> str:
    """A demo clinic made by the command line, as a path for a child's code."""
    made = subprocess.run([sys.executable, "-m", "facilitator.cli", "demo", "--no-app", "--data",
                           str(tmp_path / "demo")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    return str(tmp_path / "demo")


def test_opening_a_clinic_and_the_app_module_load_no_lock_library_or_csv(demo):
    """filelock, TinyDB, the audit log and the commit protocol are imported on the first
    write (reading needs none of them), csv on the first import (figure 1, start-up)."""
    code = ("import sys; from pathlib import Path; import facilitator.tui.app; "
            "from facilitator.store.clinic import open_clinic; "
            f"open_clinic(Path({demo!r})).snapshot(); "
            "print(sorted(({m.split('.')[0] for m in sys.modules} | set(sys.modules)) & "
            "{'filelock', 'csv', 'tinydb', 'facilitator.store.audit', 'facilitator.store.commit'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_running_the_app_freezes_what_was_loaded_out_of_the_collector(demo):
    """``FacilitatorApp.run`` moves the loaded code and settings out of the garbage
    collector's view (``gc.freeze``): full collections then skip them (figure 1). The
    test harness's ``run_test`` does not, so a test process keeps collecting normally."""
    code = f"""
import gc
from pathlib import Path
from facilitator.store.clinic import open_clinic
from facilitator.tui.app import make_app
app = make_app(open_clinic(Path({demo!r})))
assert gc.get_freeze_count() == 0

async def leave(pilot):
    pilot.app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=leave)
print(gc.get_freeze_count())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 10_000
