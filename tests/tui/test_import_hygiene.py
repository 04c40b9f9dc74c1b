"""Importing the app module opens no files and imports no screen (they load when shown)."""

from __future__ import annotations

import subprocess
import sys


def test_app_module_imports_no_screen():
    code = ("import sys, facilitator.tui.app as a; "
            "print(sorted(m for m in sys.modules if m.startswith('facilitator.tui.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "facilitator.tui.home" not in out and "facilitator.tui.help" not in out
