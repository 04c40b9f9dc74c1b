"""Importing the app module opens no files and imports only the screen every start shows
(home); the others load when first shown (their imports are ≈ 60 ms, tests/bench/README.md)."""

from __future__ import annotations

import subprocess
import sys

LATER = ("weekly", "review", "session", "staff", "settings", "help", "client", "note", "session_end")


def test_app_module_imports_home_and_no_other_screen():
    code = ("import sys, facilitator.tui.app as a; "
            "print(sorted(m for m in sys.modules if m.startswith('facilitator.tui.')))")
    loaded = eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout)
    assert "facilitator.tui.home" in loaded
    assert [m for m in loaded if m.removeprefix("facilitator.tui.") in LATER] == []


def test_opening_a_clinic_and_the_app_module_load_no_lock_library_or_csv(tmp_path):
    """filelock, TinyDB, the audit log and the commit protocol are imported on the first
    write (reading needs none of them), csv on the first import (figure 1, start-up)."""
    code = ("import sys; from pathlib import Path; import facilitator.tui.app; "
            "from facilitator.store.clinic import open_clinic; "
            f"open_clinic(Path({str(tmp_path / 'demo')!r})).snapshot(); "
            "print(sorted(({m.split('.')[0] for m in sys.modules} | set(sys.modules)) & "
            "{'filelock', 'csv', 'tinydb', 'facilitator.store.audit', 'facilitator.store.commit'}))")
    made = subprocess.run([sys.executable, "-m", "facilitator.cli", "demo", "--no-app", "--data",
                           str(tmp_path / "demo")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
